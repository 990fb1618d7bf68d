// Serializer for DolphinDB objects (protocol notes §5): little endian, type byte then form byte, then the form's
// layout. Used by the emulated node for replies and by checks/tests for function arguments. Any thread.

import {
  DDB_FORM, DDB_STORAGE, DDB_TYPE, cellProblem, tableRows,
  type DdbCell, type DdbColumnData, type DdbObject, type DdbScalarType, type DdbTable, type DdbVector,
} from './objects.js';
import { DdbWireError } from './wire-error.js';

/** A growable byte buffer; doubling keeps a large table at O(n) copies. */
class ByteSink {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void { this.room(1); this.buf.writeUInt8(v & 0xff, this.len); this.len += 1; }
  i8(v: number): void { this.room(1); this.buf.writeInt8(v, this.len); this.len += 1; }
  i16(v: number): void { this.room(2); this.buf.writeInt16LE(v, this.len); this.len += 2; }
  i32(v: number): void { this.room(4); this.buf.writeInt32LE(v, this.len); this.len += 4; }
  i64(v: bigint): void { this.room(8); this.buf.writeBigInt64LE(v, this.len); this.len += 8; }
  f32(v: number): void { this.room(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  f64(v: number): void { this.room(8); this.buf.writeDoubleLE(v, this.len); this.len += 8; }

  /** UTF-8 text and its NUL terminator (DolphinDB strings carry no length prefix). */
  cstring(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.room(n + 1);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
    this.buf[this.len++] = 0;
  }

  bytes(): Buffer { return this.buf.subarray(0, this.len); }
}

function fail(message: string): never {
  // Encoding errors come from our own code handing in a bad value, so the side is 'internal'.
  throw new DdbWireError(`cannot encode: ${message}`, { side: 'internal' });
}

function header(sink: ByteSink, typeCode: number, formCode: number): void {
  sink.u8(typeCode);
  sink.u8(formCode);
}

function writeCell(sink: ByteSink, type: DdbScalarType, cell: DdbCell): void {
  const problem = cellProblem(type, cell);
  if (problem !== undefined) fail(problem);
  // cellProblem has checked the JS type of `cell` against the storage class, so the casts below are exact.
  switch (DDB_STORAGE[type]) {
    case 'void': sink.u8(1); return;
    case 'i8': sink.i8(cell as number); return;
    case 'i16': sink.i16(cell as number); return;
    case 'i32': sink.i32(cell as number); return;
    case 'i64': sink.i64(cell as bigint); return;
    case 'f32': sink.f32(cell as number); return;
    case 'f64': sink.f64(cell as number); return;
    case 'str': sink.cstring(cell as string); return;
  }
}

/** rows, cols (always 1 for a vector) and the items, after the 2-byte header. */
function writeVectorBody(sink: ByteSink, data: DdbColumnData, depth: number): void {
  sink.i32(data.values.length);
  sink.i32(1);
  if (data.type === 'ANY') {
    for (const item of data.values) writeObject(sink, item, depth + 1);
  } else {
    for (const cell of data.values) writeCell(sink, data.type, cell);
  }
}

function writeTypedVector(sink: ByteSink, vec: DdbVector, depth: number): void {
  if (vec.form === 'pair' && vec.values.length !== 2) fail(`a pair has 2 items, not ${vec.values.length}`);
  if (vec.form === 'set') {
    // A set is its own header followed by a complete vector object holding the members.
    header(sink, DDB_TYPE[vec.type], DDB_FORM.set);
    header(sink, DDB_TYPE[vec.type], DDB_FORM.vector);
  } else {
    header(sink, DDB_TYPE[vec.type], DDB_FORM[vec.form]);
  }
  writeVectorBody(sink, vec, depth);
}

function writeColumnData(sink: ByteSink, data: DdbColumnData, depth: number): void {
  if (data.type === 'ANY') {
    header(sink, DDB_TYPE.ANY, DDB_FORM.vector);
    writeVectorBody(sink, data, depth);
  } else {
    if (data.form !== 'vector') fail(`a column or dict part must be a vector, not a ${data.form}`);
    writeTypedVector(sink, data, depth);
  }
}

function writeTable(sink: ByteSink, table: DdbTable, depth: number): void {
  const rows = tableRows(table);
  for (const col of table.columns) {
    if (col.data.values.length !== rows) fail(`column ${col.name} has ${col.data.values.length} rows, not ${rows}`);
  }
  // The real server writes type 0 in a table header (Java writes 27 when it uploads; both decode).
  header(sink, DDB_TYPE.VOID, DDB_FORM.table);
  sink.i32(rows);
  sink.i32(table.columns.length);
  sink.cstring(table.name);
  for (const col of table.columns) sink.cstring(col.name);
  for (const col of table.columns) writeColumnData(sink, col.data, depth + 1);
}

/** Deep enough for any real reply; a cycle in a hand-built ANY vector would otherwise recurse until the stack ends. */
const MAX_DEPTH = 64;

function writeObject(sink: ByteSink, obj: DdbObject, depth: number): void {
  if (depth > MAX_DEPTH) fail(`objects nested deeper than ${MAX_DEPTH}`);
  switch (obj.form) {
    case 'scalar':
      header(sink, DDB_TYPE[obj.type], DDB_FORM.scalar);
      writeCell(sink, obj.type, obj.value);
      return;
    case 'vector':
    case 'pair':
    case 'set':
      if (obj.type === 'ANY') writeColumnData(sink, obj, depth);
      else writeTypedVector(sink, obj, depth);
      return;
    case 'dict':
      if (obj.keys.values.length !== obj.values.values.length) fail('dict keys and values differ in length');
      // The dict header's type byte is the value type; keys and values follow as whole vector objects.
      header(sink, DDB_TYPE[obj.values.type], DDB_FORM.dict);
      writeColumnData(sink, obj.keys, depth + 1);
      writeColumnData(sink, obj.values, depth + 1);
      return;
    case 'table':
      writeTable(sink, obj, depth);
      return;
  }
}

/**
 * The wire bytes of one object (little endian). Allocates a new Buffer.
 * Throws DdbWireError (side 'internal') when a value does not fit its type, e.g. a string holding NUL.
 */
export function encodeObject(obj: DdbObject): Buffer {
  const sink = new ByteSink();
  writeObject(sink, obj, 0);
  return Buffer.from(sink.bytes());
}

/** Several objects back to back, as function arguments follow a `function` request body. */
export function encodeObjects(objs: readonly DdbObject[]): Buffer {
  const sink = new ByteSink();
  for (const obj of objs) writeObject(sink, obj, 0);
  return Buffer.from(sink.bytes());
}
