// Message body framing for HTTP/1.x (RFC 9112 §6): Content-Length and Transfer-Encoding validation, HAProxy 2.6's
// rewrite of ambiguous framing headers (src/h1.c h1_parse_cont_len_header / h1_parse_xfer_enc_header), and the
// body length rules for requests and responses. Pure functions; forwarder threads call them once per message, the
// health-check thread once per `option httpchk` response.

import { headerValues, listElements, type HeaderField } from './header-list.js';

export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'until-close' }
  | { readonly kind: 'error'; readonly reason: string; readonly status: 400 | 422 };

/** What the framing headers of one message say, before deciding how the body ends. */
export type FramingHeaders =
  | { readonly kind: 'error'; readonly reason: string; readonly status: 400 | 422 }
  | {
      readonly kind: 'ok';
      /** undefined: no Content-Length field. Values above 2^53 lose precision (HAProxy keeps 64 bits). */
      readonly contentLength: number | undefined;
      /** The first Content-Length element as written ("005" stays "005"), for the single merged field. */
      readonly contentLengthText: string | undefined;
      /** Content-Length fields (or list elements) beyond one: HAProxy forwards a single field. */
      readonly contentLengthMerged: boolean;
      /** 'none': no Transfer-Encoding; 'chunked': chunked is the last coding; 'other': it is not. */
      readonly transfer: 'none' | 'chunked' | 'other';
      /** Some coding other than chunked precedes it (`gzip, chunked`): HAProxy 2.6 answers 422 to such a request. */
      readonly otherCodings: boolean;
    };

const CL_NAME = 'content-length';
const TE_NAME = 'transfer-encoding';
// HAProxy parses Content-Length into an unsigned 64-bit integer and refuses what overflows it.
const CL_MAX = 18446744073709551615n;

/**
 * Reads Content-Length and Transfer-Encoding the way HAProxy 2.6's h1 parser does. Measured on 2.6.12: each CL
 * element must be digits only (no sign, no hex, not empty, no trailing comma); every element of every CL field
 * must be equal; `chunked` may appear once and must be last (`chunked, gzip` → 400, `chunked, chunked` → 400); a
 * leading empty element counts as another coding (`,chunked` → 422) while a trailing one is ignored (`chunked,`).
 * `isRequest` picks the side: a request whose Transfer-Encoding lacks chunked is a 400; a response naming any other
 * coding is an error (HAProxy answers the client 502), and a response whose Transfer-Encoding is empty reads until
 * close.
 */
export function readFramingHeaders(headers: readonly HeaderField[], isRequest: boolean): FramingHeaders {
  let contentLength: number | undefined;
  let contentLengthText: string | undefined;
  let canonical: string | undefined;
  let elements = 0;
  for (const value of headerValues(headers, CL_NAME)) {
    for (const element of listElements(value)) {
      elements++;
      if (!/^[0-9]+$/.test(element)) return { kind: 'error', reason: `bad content-length "${value}"`, status: 400 };
      // Compare numerically (005 == 5). Up to 15 digits a double is exact; longer values go through BigInt so that
      // 20-digit values neither collapse into one double nor escape the 64-bit overflow check.
      let text: string;
      let n: number;
      if (element.length <= 15) {
        n = Number(element);
        text = String(n);
      } else {
        const big = BigInt(element);
        if (big > CL_MAX) return { kind: 'error', reason: `content-length overflow "${element}"`, status: 400 };
        text = big.toString();
        n = Number(big);
      }
      if (canonical === undefined) {
        canonical = text;
        contentLengthText = element;
        contentLength = n;
      } else if (canonical !== text) {
        return { kind: 'error', reason: 'several different content-length values', status: 400 };
      }
    }
  }
  let transfer: 'none' | 'chunked' | 'other' = 'none';
  let otherCodings = false;
  const teValues = headerValues(headers, TE_NAME);
  if (teValues.length > 0) {
    // Several fields form one list (RFC 9110 §5.3): `TE: gzip` + `TE: chunked` reads as `gzip, chunked`.
    const codings: string[] = [];
    for (const value of teValues) {
      const list = listElements(value);
      if (list.length > 1 && list[list.length - 1] === '') list.pop();
      if (value.replace(/[ \t]/g, '') === '') list.length = 0;
      codings.push(...list);
    }
    let sawChunked = false;
    for (const coding of codings) {
      if (coding.toLowerCase() === 'chunked') {
        if (sawChunked) return { kind: 'error', reason: 'chunked applied twice', status: 400 };
        sawChunked = true;
      } else {
        if (sawChunked) return { kind: 'error', reason: 'chunked is not the final transfer coding', status: 400 };
        otherCodings = true;
      }
    }
    transfer = sawChunked ? 'chunked' : 'other';
    if (isRequest && !sawChunked) {
      return { kind: 'error', reason: 'request transfer-encoding without chunked', status: 400 };
    }
    // HAProxy 2.6.12 answers 502 to a response naming any coding but chunked (`gzip`, `gzip, chunked`); an empty
    // Transfer-Encoding value names none and is read until close (measured).
    if (!isRequest && otherCodings) {
      return { kind: 'error', reason: 'response transfer coding other than chunked', status: 400 };
    }
  }
  return {
    kind: 'ok',
    contentLength,
    contentLengthText,
    contentLengthMerged: elements > 1,
    transfer,
    otherCodings,
  };
}

/**
 * The header list HAProxy forwards for these framing headers: with Transfer-Encoding present every Content-Length
 * field is dropped (RFC 9112 §6.3 point 3; HAProxy 2.6 forwards such a request with TE only); several equal
 * Content-Length fields or list elements become one field holding the first element. Returns `headers` itself when
 * nothing changes.
 */
export function applyFramingRewrite(headers: HeaderField[], framing: FramingHeaders): HeaderField[] {
  if (framing.kind !== 'ok' || framing.contentLength === undefined) return headers;
  const dropAll = framing.transfer !== 'none';
  if (!dropAll && !framing.contentLengthMerged) return headers;
  const out: HeaderField[] = [];
  let kept = false;
  for (const h of headers) {
    if (h.name.length !== CL_NAME.length || h.name.toLowerCase() !== CL_NAME) {
      out.push(h);
    } else if (!dropAll && !kept) {
      kept = true;
      out.push({ name: h.name, value: framing.contentLengthText ?? h.value });
    }
  }
  return out;
}

function fromHeaders(framing: FramingHeaders, noLength: BodyFraming): BodyFraming {
  if (framing.kind === 'error') return framing;
  if (framing.transfer === 'chunked') return { kind: 'chunked' };
  if (framing.transfer === 'other') return { kind: 'until-close' };
  if (framing.contentLength !== undefined) {
    return framing.contentLength === 0 ? { kind: 'none' } : { kind: 'length', length: framing.contentLength };
  }
  return noLength;
}

/**
 * RFC 9112 §6.3 framing of a request body: chunked when Transfer-Encoding ends in chunked (it wins over a
 * Content-Length, which HAProxy drops), a length from Content-Length, otherwise no body. Errors carry the status
 * HAProxy answers: 400 for a bad or conflicting Content-Length or a TE without chunked, 422 for `gzip, chunked`.
 * Pure; any thread; never throws.
 */
export function requestFraming(head: { readonly headers: readonly HeaderField[] }): BodyFraming {
  const framing = readFramingHeaders(head.headers, true);
  if (framing.kind === 'ok' && framing.otherCodings) {
    return { kind: 'error', reason: 'transfer coding other than chunked', status: 422 };
  }
  return fromHeaders(framing, { kind: 'none' });
}

/**
 * RFC 9112 §6.3 framing of a response to a `requestMethod` request: none for HEAD, 1xx, 204, 304 and a 2xx to
 * CONNECT (the caller turns that into a tunnel); then Transfer-Encoding (chunked; an empty value reads until close;
 * any other coding is an error, as HAProxy 2.6 answers 502), Content-Length, and otherwise until close. Errors carry
 * status 400 as a marker; the engine answers the client 502. Pure; any thread; never throws.
 */
export function responseFraming(
  head: { readonly status: number; readonly headers: readonly HeaderField[] },
  requestMethod: string,
): BodyFraming {
  const status = head.status;
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return { kind: 'none' };
  }
  if (requestMethod === 'CONNECT' && status >= 200 && status < 300) return { kind: 'none' };
  return fromHeaders(readFramingHeaders(head.headers, false), { kind: 'until-close' });
}
