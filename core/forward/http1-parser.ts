// STUB (persistence branch): only the head types of the HTTP/1.1 parser, which another branch writes in full.
// The lead keeps the real core/forward/http1-parser.ts at merge; these declarations must match it.
// Types only; no thread runs anything here.

/** One header line as received: the name keeps its case, the value is trimmed of surrounding spaces. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** A parsed request line and header block (RFC 9112 §3). */
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly headers: HeaderField[];
}

/** A parsed status line and header block (RFC 9112 §4). */
export interface ResponseHead {
  readonly version: '1.0' | '1.1';
  readonly status: number;
  readonly reason: string;
  readonly headers: HeaderField[];
}
