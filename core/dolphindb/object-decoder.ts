// Deserializer for DolphinDB objects (protocol notes §5) that works on partial input: it answers "incomplete" when
// the bytes stop early, so a TCP reader can wait for more, and throws DdbWireError for bytes that can never be valid.
// Any thread: the emulated node decodes function arguments, the DolphinDB health check decodes replies.

import type { ErrorSide } from '../errors.js';
import {
  DDB_STORAGE, STORAGE_WIDTH, formNameOf, typeNameOf,
  type DdbCell, type DdbColumn, type DdbColumnData, type DdbObject, type DdbScalarType, type DdbVector,
} from './objects.js';
import { DdbWireError } from './wire-error.js';

export interface DecodeOptions {
  /** The sender's byte order (the endian flag of the request or reply). Default true: every client seen is LE. */
  readonly littleEndian?: boolean;
  /** Who sent the bytes, for the error's `side`. Default 'client'. */
  readonly side?: ErrorSide;
  /** Largest fixed-width vector payload accepted, in bytes (default 64 MiB): a bigger claim is an error at once. */
  readonly maxVectorBytes?: number;
}

export type DecodeResult<T> = { readonly kind: 'ok'; readonly value: T; readonly end: number } | { readonly kind: 'incomplete' };

/** Thrown inside the reader when the input ends early; caught at the entry points and turned into a result. */
class NeedMoreBytes {}
const NEED_MORE = new NeedMoreBytes();

/** Nesting bound for ANY vectors and tables: deep enough for real data, shallow enough for the JS stack. */
const MAX_DEPTH = 32;
const DEFAULT_MAX_VECTOR_BYTES = 64 * 1024 * 1024;

class ObjectReader {
  pos: number;
  private readonly buf: Buffer;
  private readonly le: boolean;
  private readonly side: ErrorSide;
  private readonly maxVectorBytes: number;

  constructor(buf: Buffer, pos: number, options: DecodeOptions) {
    this.buf = buf;
    this.pos = pos;
    this.le = options.littleEndian ?? true;
    this.side = options.side ?? 'client';
    this.maxVectorBytes = options.maxVectorBytes ?? DEFAULT_MAX_VECTOR_BYTES;
  }

  fail(message: string): never {
    throw new DdbWireError(message, { side: this.side, detail: `at byte ${this.pos}` });
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw NEED_MORE;
  }

  private take(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number { return this.buf.readUInt8(this.take(1)); }
  i32(): number { const at = this.take(4); return this.le ? this.buf.readInt32LE(at) : this.buf.readInt32BE(at); }

  /** Text up to the next NUL. A missing NUL means the string has not fully arrived yet. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw NEED_MORE;
    const text = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return text;
  }

  cell(type: DdbScalarType): DdbCell {
    const b = this.buf;
    const le = this.le;
    switch (DDB_STORAGE[type]) {
      case 'void': this.take(1); return null;
      case 'i8': return b.readInt8(this.take(1));
      case 'i16': { const at = this.take(2); return le ? b.readInt16LE(at) : b.readInt16BE(at); }
      case 'i32': return this.i32();
      case 'i64': { const at = this.take(8); return le ? b.readBigInt64LE(at) : b.readBigInt64BE(at); }
      case 'f32': { const at = this.take(4); return le ? b.readFloatLE(at) : b.readFloatBE(at); }
      case 'f64': { const at = this.take(8); return le ? b.readDoubleLE(at) : b.readDoubleBE(at); }
      case 'str': return this.cstring();
    }
  }

  /** The 2-byte header: a short `(form << 8) | type` in the sender's byte order. */
  header(): { type: number; form: number } {
    const at = this.take(2);
    const v = this.le ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
    return { type: v & 0xff, form: v >> 8 };
  }

  /** rows and cols of a vector-like body; cols is 1 for every vector a client or server sends. */
  dims(): number {
    const rows = this.i32();
    const cols = this.i32();
    if (rows < 0) this.fail(`negative row count ${rows}`);
    if (cols !== 1) this.fail(`vector with ${cols} columns (expected 1)`);
    return rows;
  }

  typedItems(type: DdbScalarType, rows: number): DdbCell[] {
    const storage = DDB_STORAGE[type];
    if (storage !== 'str') {
      const bytes = rows * STORAGE_WIDTH[storage];
      if (bytes > this.maxVectorBytes) this.fail(`vector of ${rows} ${type} items exceeds ${this.maxVectorBytes} bytes`);
      // Check the whole payload is there before allocating, so a short read costs nothing.
      this.need(bytes);
    }
    // Strings: each item takes at least its NUL, so this loop ends within the buffer even for a huge `rows`.
    const out: DdbCell[] = [];
    for (let i = 0; i < rows; i++) out.push(this.cell(type));
    return out;
  }

  vectorBody(typeCode: number, depth: number): DdbColumnData {
    const rows = this.dims();
    const name = typeNameOf(typeCode);
    if (name === undefined) this.fail(`unsupported type code ${typeCode}`);
    if (name === 'ANY') {
      // Each item is a whole object of at least 2 bytes: the loop is bounded by the input length.
      const items: DdbObject[] = [];
      for (let i = 0; i < rows; i++) items.push(this.object(depth + 1));
      return { form: 'vector', type: 'ANY', values: items };
    }
    return { form: 'vector', type: name, values: this.typedItems(name, rows) };
  }

  /** A whole vector object (header included), as dict parts and table columns are written. */
  columnObject(depth: number, what: string): DdbColumnData {
    const { type, form } = this.header();
    if (form !== 1) this.fail(`${what} must be a vector, found form ${form}`);
    return this.vectorBody(type, depth);
  }

  object(depth: number): DdbObject {
    if (depth > MAX_DEPTH) this.fail(`objects nested deeper than ${MAX_DEPTH}`);
    const { type, form } = this.header();
    const formName = formNameOf(form);
    if (formName === undefined) this.fail(`unsupported form ${form}`);
    switch (formName) {
      case 'scalar': {
        const name = typeNameOf(type);
        if (name === undefined || name === 'ANY') this.fail(`unsupported scalar type code ${type}`);
        return { form: 'scalar', type: name, value: this.cell(name) };
      }
      case 'vector':
        return this.vectorBody(type, depth);
      case 'pair': {
        const vec = this.vectorBody(type, depth);
        if (vec.type === 'ANY' || vec.values.length !== 2) this.fail('a pair must hold 2 typed items');
        return { form: 'pair', type: vec.type, values: vec.values };
      }
      case 'set': {
        const inner = this.columnObject(depth + 1, 'set members');
        if (inner.type === 'ANY') this.fail('a set cannot hold ANY items');
        return { form: 'set', type: inner.type, values: inner.values };
      }
      case 'dict':
        return this.dict(depth);
      case 'table':
        return this.table(depth);
    }
  }

  dict(depth: number): DdbObject {
    const keys = this.columnObject(depth + 1, 'dict keys');
    if (keys.type === 'ANY') this.fail('dict keys cannot be ANY');
    const values = this.columnObject(depth + 1, 'dict values');
    if (keys.values.length !== values.values.length) {
      this.fail(`dict has ${keys.values.length} keys but ${values.values.length} values`);
    }
    return { form: 'dict', keys: keys satisfies DdbVector, values };
  }

  table(depth: number): DdbObject {
    const rows = this.i32();
    const cols = this.i32();
    if (rows < 0 || cols < 0) this.fail(`table with ${rows} rows and ${cols} columns`);
    const name = this.cstring();
    // Each name takes at least its NUL, so a huge `cols` runs out of input before it runs out of memory.
    const names: string[] = [];
    for (let i = 0; i < cols; i++) names.push(this.cstring());
    const columns: DdbColumn[] = [];
    for (const colName of names) {
      const data = this.columnObject(depth + 1, `column ${colName}`);
      if (data.values.length !== rows) this.fail(`column ${colName} has ${data.values.length} rows, not ${rows}`);
      columns.push({ name: colName, data });
    }
    return { form: 'table', name, columns };
  }
}

function run<T>(buf: Buffer, offset: number, options: DecodeOptions, body: (r: ObjectReader) => T): DecodeResult<T> {
  if (offset < 0 || offset > buf.length) throw new DdbWireError(`offset ${offset} outside the input`, { side: 'internal' });
  const reader = new ObjectReader(buf, offset, options);
  try {
    const value = body(reader);
    return { kind: 'ok', value, end: reader.pos };
  } catch (error) {
    if (error === NEED_MORE) return { kind: 'incomplete' };
    if (error instanceof DdbWireError) throw error;
    // Buffer reads are guarded by need(); anything else reaching here is a codec bug, reported in the one error type.
    throw new DdbWireError(`undecodable object: ${String(error)}`, { side: options.side ?? 'client' });
  }
}

/**
 * Decodes one object starting at `offset`. Returns the object and the offset just past it, or 'incomplete' when
 * the input ends first. Throws DdbWireError for bytes that no amount of further input can make valid.
 */
export function decodeObject(buf: Buffer, offset = 0, options: DecodeOptions = {}): DecodeResult<DdbObject> {
  return run(buf, offset, options, (r) => r.object(0));
}

/** Decodes `count` objects back to back (function arguments, `variable` uploads). Same contract as decodeObject. */
export function decodeObjects(
  buf: Buffer, offset: number, count: number, options: DecodeOptions = {},
): DecodeResult<DdbObject[]> {
  return run(buf, offset, options, (r) => {
    const out: DdbObject[] = [];
    for (let i = 0; i < count; i++) out.push(r.object(0));
    return out;
  });
}
