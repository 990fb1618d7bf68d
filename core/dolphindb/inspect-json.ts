// The few top-level fields of a DolphinDB JSON-API body that orcalb looks at (protocol notes §10, dolphindb/api-json):
// `sessionID` and `functionName` in a request, `sessionID`, `resultCode` and `msg` in its reply. A lenient byte
// machine fed the body as it passes, chunk by chunk, that keeps nothing but the values' first bytes: no JSON.parse,
// no string until one is asked for. Issue 16's `option dolphindb-inspect` (kind, status, error text) and
// `option dolphindb-json-affinity` (the session's node). Forwarder threads, one pair per inspected HTTP session.
//
// Why lenient: the body is seen as relayed (a chunked one with its chunk-size lines), and a body that is not the API's
// JSON must cost nothing and break nothing: bytes it cannot place are skipped, and it stops after SCAN_LIMIT bytes or
// once every wanted field was found. Keys are matched case-insensitively at the outer object's level only (the old
// web API spelled them `sessionid`, `resultcode`), so a script's text or a nested object never counts.

/** The fields, by index. */
export const JSON_FIELD = { sessionId: 0, functionName: 1, resultCode: 2, msg: 3 } as const;
const NAMES = ['sessionid', 'functionname', 'resultcode', 'msg'].map((n) => Buffer.from(n));

/** How many body bytes are scanned at most (the fields come first in every body seen; objects follow them). */
const SCAN_LIMIT = 64 * 1024;
/** Bytes kept of each value (an error text past it is cut; a session id is 10 digits). */
const VALUE_KEEP = 240;
/** Longest key compared (the longest wanted name is 12 bytes). */
const KEY_KEEP = 16;

const ST = { out: 0, key: 1, keyEsc: 2, afterKey: 3, value: 4, str: 5, strEsc: 6, bare: 7, skipStr: 8, skipEsc: 9 } as const;

export class JsonApiFields {
  private readonly wanted: number;
  private found = 0;
  private st: number = ST.out;
  private depth = 0;
  private expectKey = false;
  private seen = 0;
  private readonly keyBuf = new Uint8Array(KEY_KEEP);
  private keyLen = 0;
  private field = -1;
  private readonly values: Uint8Array[];
  private readonly lengths: number[];

  /** `fields`: the JSON_FIELD indexes this scanner looks for. */
  constructor(fields: readonly number[]) {
    this.wanted = fields.reduce((m, f) => m | (1 << f), 0);
    this.values = NAMES.map((_n, i) => new Uint8Array(fields.includes(i) ? VALUE_KEEP : 0));
    this.lengths = NAMES.map(() => 0);
  }

  /** Starts a new body. */
  reset(): void {
    this.found = 0;
    this.st = ST.out;
    this.depth = 0;
    this.expectKey = false;
    this.seen = 0;
    this.field = -1;
    this.lengths.fill(0);
  }

  /** Whether field `f` was found (a string or a bare value). */
  has(f: number): boolean {
    return (this.found & (1 << f)) !== 0;
  }

  /** Whether the scan wants more bytes. */
  get scanning(): boolean {
    return (this.found & this.wanted) !== this.wanted && this.seen < SCAN_LIMIT;
  }

  /** Field `f`'s value bytes (at most 240), a view valid until the next reset(); empty when absent. */
  bytes(f: number): Uint8Array {
    return (this.values[f] as Uint8Array).subarray(0, this.lengths[f] ?? 0);
  }

  /** Field `f`'s value as text ('' when absent). Allocates. */
  text(f: number): string {
    return Buffer.from(this.bytes(f)).toString('utf8');
  }

  /** Whether field `f`'s value is exactly the ASCII `word`. Allocation-free. */
  equals(f: number, word: string): boolean {
    const v = this.bytes(f);
    if (v.length !== word.length) return false;
    for (let i = 0; i < v.length; i++) if (v[i] !== word.charCodeAt(i)) return false;
    return true;
  }

  /** Feeds body bytes buf[pos, end). Never throws, never reads outside the span. */
  feed(buf: Uint8Array, pos: number, end: number): void {
    if (!this.scanning) return;
    const stop = Math.min(end, pos + (SCAN_LIMIT - this.seen));
    for (let i = pos; i < stop; i++) {
      this.byte(buf[i] as number);
      if ((this.found & this.wanted) === this.wanted) {
        this.seen += i + 1 - pos;
        return;
      }
    }
    this.seen += stop - pos;
  }

  private byte(b: number): void {
    switch (this.st) {
      case ST.out: return this.structural(b);
      case ST.key:
        if (b === 0x5c) this.st = ST.keyEsc;
        else if (b === 0x22) this.st = ST.afterKey;
        else if (this.keyLen < KEY_KEEP) this.keyBuf[this.keyLen++] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
        else this.keyLen = KEY_KEEP + 1;
        return;
      case ST.keyEsc:
        this.keyLen = KEY_KEEP + 1; // an escaped key is none of ours
        this.st = ST.key;
        return;
      case ST.afterKey:
        if (b === 0x3a) {
          this.field = this.keyIndex();
          this.expectKey = false;
          this.st = ST.value;
        } else if (b > 0x20) {
          this.st = ST.out;
          this.structural(b);
        }
        return;
      case ST.value:
        if (b <= 0x20) return;
        if (this.field >= 0 && b === 0x22) return this.startValue(ST.str);
        if (this.field >= 0 && b !== 0x7b && b !== 0x5b && b !== 0x2c && b !== 0x7d) {
          this.startValue(ST.bare);
          return this.keep(b);
        }
        this.st = ST.out;
        return this.structural(b);
      case ST.str:
        if (b === 0x5c) this.st = ST.strEsc;
        else if (b === 0x22) this.endValue();
        else this.keep(b);
        return;
      case ST.strEsc:
        // \n, \t, \r read as a space; \" \\ \/ as the character; \uXXXX keeps its letters (an error text stays readable).
        this.keep(b === 0x6e || b === 0x74 || b === 0x72 ? 0x20 : b);
        this.st = ST.str;
        return;
      case ST.bare:
        if (b === 0x2c || b === 0x7d || b === 0x5d || b <= 0x20) {
          this.endValue();
          return this.structural(b);
        }
        return this.keep(b);
      case ST.skipStr:
        if (b === 0x5c) this.st = ST.skipEsc;
        else if (b === 0x22) this.st = ST.out;
        return;
      case ST.skipEsc:
        this.st = ST.skipStr;
        return;
    }
  }

  /** A byte outside any string: nesting, commas and the start of a key or of a string to skip. */
  private structural(b: number): void {
    if (b === 0x7b || b === 0x5b) {
      this.depth++;
      this.expectKey = b === 0x7b && this.depth === 1;
    } else if (b === 0x7d || b === 0x5d) {
      if (this.depth > 0) this.depth--;
      this.expectKey = false;
    } else if (b === 0x2c) {
      this.expectKey = this.depth === 1;
    } else if (b === 0x22) {
      if (this.expectKey) {
        this.keyLen = 0;
        this.st = ST.key;
      } else {
        this.st = ST.skipStr;
      }
    }
  }

  /** The wanted field the key just read names, or -1. */
  private keyIndex(): number {
    const n = this.keyLen;
    for (let f = 0; f < NAMES.length; f++) {
      const name = NAMES[f] as Buffer;
      if (name.length !== n || (this.wanted & (1 << f)) === 0 || this.has(f)) continue;
      let i = 0;
      while (i < n && this.keyBuf[i] === name[i]) i++;
      if (i === n) return f;
    }
    return -1;
  }

  private startValue(st: number): void {
    this.lengths[this.field] = 0;
    this.st = st;
  }

  private keep(b: number): void {
    const f = this.field;
    const n = this.lengths[f] ?? 0;
    if (n < VALUE_KEEP) {
      (this.values[f] as Uint8Array)[n] = b;
      this.lengths[f] = n + 1;
    }
  }

  private endValue(): void {
    this.found |= 1 << this.field;
    this.field = -1;
    this.st = ST.out;
  }
}
