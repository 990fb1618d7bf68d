// Where serialized DolphinDB objects end, without decoding them (protocol notes §5): a resumable byte machine that
// is fed each chunk as it passes through an L4 pipe (issue 16, `option dolphindb-inspect`) and says how many bytes
// of it the objects took. Nothing is copied but the few bytes of a header or a count that straddle two chunks.
// Forwarder threads, one per inspected session direction; any thread for tests.
//
// What it frames: every form the clients send and the servers answer in practice (scalar, vector, pair, set, dict,
// table, matrix) over the fixed-width types, STRING/SYMBOL (NUL-terminated), BLOB (length-prefixed), UUID/IPADDR/
// INT128, DECIMAL32/64/128 (a scale word first), ANY vectors (whole objects) and the symbol-base vector (type 145).
// Anything else (array vectors, compressed columns, chunk/tensor forms) is a framing error: the caller stops
// inspecting that session and keeps forwarding its bytes.

/** Bytes per item of fixed-width types, indexed by type code; 0 = not fixed (or unknown). */
const FIXED_WIDTH = new Uint8Array(64);
for (const [code, width] of [
  [0, 1], [1, 1], [2, 1], [3, 2], [4, 4], [5, 8], [6, 4], [7, 4], [8, 4], [9, 4], [10, 4], [11, 4], [12, 8], [13, 8],
  [14, 8], [15, 4], [16, 8], [19, 16], [28, 4], [30, 16], [31, 16],
] as const) FIXED_WIDTH[code] = width;

const T_SYMBOL = 17;
const T_STRING = 18;
const T_ANY = 25;
const T_BLOB = 32;
const T_DECIMAL32 = 37;
const T_DECIMAL128 = 39;
const T_SYMBOL_BASE = 145;

/** Operations of the stack machine. */
const OP = {
  objects: 1, header: 2, skip: 3, cstrings: 4, dims: 5, blobs: 6, lenSkip: 7, tableDims: 8, symbolBase: 9,
  matrix: 10, matrixData: 11, scaled: 12,
} as const;

/** Deepest nesting accepted (ANY in ANY, tables of ANY columns …): beyond it the session is not inspected. */
const MAX_FRAMES = 64;

export const SKIP_DONE = -1;
export const SKIP_ERROR = -2;

/**
 * One direction's object skipper. begin(count, littleEndian) arms it for `count` objects; feed() consumes bytes of
 * a chunk until those objects end. Allocates its stack once (a few hundred bytes), nothing per chunk.
 */
export class ObjectSkipper {
  private readonly op = new Uint8Array(MAX_FRAMES);
  /** Items, bytes or objects left (doubles: a 64 MiB vector of LONG is 2^26 × 8 bytes, beyond int32 counts). */
  private readonly count = new Float64Array(MAX_FRAMES);
  /** A type code, or a phase, per frame. */
  private readonly aux = new Int32Array(MAX_FRAMES);
  private depth = 0;
  private le = true;
  /** Bytes of a fixed-size field gathered so far (it may straddle two chunks). */
  private readonly acc = new Uint8Array(8);
  private accN = 0;
  /** Why the last feed failed (for the log), or ''. */
  error = '';

  /** Arms for `n` objects in the sender's byte order. */
  begin(n: number, littleEndian: boolean): void {
    this.depth = 0;
    this.accN = 0;
    this.le = littleEndian;
    this.error = '';
    if (n > 0) this.push(OP.objects, n, 0);
  }

  get done(): boolean {
    return this.depth === 0;
  }

  /**
   * Consumes buf[pos, end). Returns the offset just past the last object (SKIP_DONE never: see below) when they
   * ended inside the span, `end` when more bytes are needed (check `done`), or SKIP_ERROR for bytes that cannot
   * be objects it knows (`error` says why). Never throws, never reads outside [pos, end).
   */
  feed(buf: Uint8Array, pos: number, end: number): number {
    let p = pos;
    // Bounded: every turn consumes a byte or pops/replaces a frame, and frames are bounded by the input's counts.
    while (this.depth > 0) {
      const top = this.depth - 1;
      const op = this.op[top] as number;
      if (op === OP.skip) {
        const left = this.count[top] as number;
        const take = Math.min(left, end - p);
        p += take;
        if (take === left) this.depth--;
        else { this.count[top] = left - take; return p; }
        continue;
      }
      if (op === OP.cstrings) {
        let left = this.count[top] as number;
        while (left > 0) {
          const nul = indexOfZero(buf, p, end);
          if (nul < 0) { this.count[top] = left; return end; }
          p = nul + 1;
          left--;
        }
        this.depth--;
        continue;
      }
      if (op === OP.objects) {
        const left = this.count[top] as number;
        if (left === 0) { this.depth--; continue; }
        this.count[top] = left - 1;
        if (!this.push(OP.header, 0, 0)) return SKIP_ERROR;
        continue;
      }
      if (op === OP.blobs) {
        const left = this.count[top] as number;
        if (left === 0) { this.depth--; continue; }
        this.count[top] = left - 1;
        if (!this.push(OP.lenSkip, 0, 0)) return SKIP_ERROR;
        continue;
      }
      // Every other op starts with a fixed-size field: gather it first.
      const need = op === OP.header ? 2 : op === OP.matrix ? 1 : op === OP.dims || op === OP.tableDims || op === OP.symbolBase ? 8 : op === OP.matrixData ? 2 : 4;
      while (this.accN < need) {
        if (p >= end) return end;
        this.acc[this.accN++] = buf[p++] as number;
      }
      this.accN = 0;
      this.depth--;
      if (!this.apply(op, top)) return SKIP_ERROR;
    }
    return p;
  }

  private i32(at: number): number {
    const a = this.acc;
    return this.le
      ? ((a[at] as number) | ((a[at + 1] as number) << 8) | ((a[at + 2] as number) << 16) | ((a[at + 3] as number) << 24))
      : (((a[at] as number) << 24) | ((a[at + 1] as number) << 16) | ((a[at + 2] as number) << 8) | (a[at + 3] as number));
  }

  private u16(): number {
    const a = this.acc;
    return this.le ? (a[0] as number) | ((a[1] as number) << 8) : ((a[0] as number) << 8) | (a[1] as number);
  }

  private fail(why: string): boolean {
    this.error = why;
    this.depth = 0;
    return false;
  }

  private push(op: number, count: number, aux: number): boolean {
    if (this.depth >= MAX_FRAMES) return this.fail('objects nested too deep');
    this.op[this.depth] = op;
    this.count[this.depth] = count;
    this.aux[this.depth] = aux;
    this.depth++;
    return true;
  }

  /** The gathered field of `op` (frame `at`, already popped) is complete: push what follows it. */
  private apply(op: number, at: number): boolean {
    const aux = this.aux[at] as number;
    switch (op) {
      case OP.header: {
        const v = this.u16();
        const type = v & 0xff;
        const form = v >> 8;
        if (form === 0) return this.items(type, 1);
        if (form === 1 || form === 2) return this.push(OP.dims, 0, type);
        // A set or a dict carries whole vector objects; a table its dimensions first.
        if (form === 4) return this.push(OP.objects, 1, 0);
        if (form === 5) return this.push(OP.objects, 2, 0);
        if (form === 6) return this.push(OP.tableDims, 0, 0);
        if (form === 3) return this.push(OP.matrix, 0, 0);
        return this.fail(`form ${form} is not framed`);
      }
      case OP.dims: {
        const rows = this.i32(0);
        const cols = this.i32(4);
        if (rows < 0 || cols < 0) return this.fail('negative dimensions');
        return this.items(aux, rows * cols);
      }
      case OP.tableDims: {
        const rows = this.i32(0);
        const cols = this.i32(4);
        if (rows < 0 || cols < 0) return this.fail('negative table dimensions');
        // Columns (vector objects) after the table's name and its column names.
        return this.push(OP.objects, cols, 0) && this.push(OP.cstrings, 1 + cols, 0);
      }
      case OP.matrix: {
        const labels = this.acc[0] as number;
        if (!this.push(OP.matrixData, 0, 0)) return false;
        const n = (labels & 1) + ((labels >> 1) & 1);
        return n === 0 || this.push(OP.objects, n, 0);
      }
      case OP.matrixData: {
        const v = this.u16();
        if (v >> 8 !== 3) return this.fail('matrix data without the matrix form');
        return this.push(OP.dims, 0, v & 0xff);
      }
      case OP.lenSkip: {
        const len = this.i32(0);
        if (len < 0) return this.fail('negative blob length');
        return len === 0 || this.push(OP.skip, len, 0);
      }
      case OP.symbolBase: {
        // The base's id, then how many strings follow (0: a base the receiver already has), then one index per row.
        const size = this.i32(4);
        if (size < 0) return this.fail('negative symbol base size');
        const rows = this.count[at] as number;
        return this.push(OP.skip, rows * 4, 0) && (size === 0 || this.push(OP.cstrings, size, 0));
      }
      case OP.scaled: {
        // The scale word of a DECIMAL scalar or vector was read: the items follow.
        const width = aux === T_DECIMAL32 ? 4 : aux === T_DECIMAL128 ? 16 : 8;
        const n = this.count[at] as number;
        return n === 0 || this.push(OP.skip, n * width, 0);
      }
    }
    return this.fail(`internal: op ${op}`);
  }

  /** `n` items of type `type` follow (a scalar's one, or a vector's rows × cols). */
  private items(type: number, n: number): boolean {
    if (type < 64) {
      const w = FIXED_WIDTH[type] as number;
      if (w > 0) return n === 0 || this.push(OP.skip, n * w, 0);
    }
    if (type === T_STRING || type === T_SYMBOL) return n === 0 || this.push(OP.cstrings, n, 0);
    if (type === T_ANY) return n === 0 || this.push(OP.objects, n, 0);
    if (type === T_BLOB) return n === 0 || this.push(OP.blobs, n, 0);
    if (type >= T_DECIMAL32 && type <= T_DECIMAL128) return this.push(OP.scaled, n, type);
    if (type === T_SYMBOL_BASE) return this.push(OP.symbolBase, n, 0);
    return this.fail(`type ${type} is not framed`);
  }
}

/** Index of the first 0 byte in buf[from, end), or -1: never looks past `end` (the read buffer holds stale bytes). */
export function indexOfZero(buf: Uint8Array, from: number, end: number): number {
  if (from >= end) return -1;
  const i = buf.indexOf(0, from);
  return i >= 0 && i < end ? i : -1;
}
