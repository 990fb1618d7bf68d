// The DolphinDB object codec: exact bytes of the protocol notes' examples, round trips of every type and form,
// partial input reported as 'incomplete', and DdbWireError for bytes that can never be valid.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeObject } from '../../core/dolphindb/object-decoder.js';
import { encodeObject } from '../../core/dolphindb/object-encoder.js';
import {
  DDB_NULL, ddbAnyVector, ddbBool, ddbDict, ddbInt, ddbLong, ddbPair, ddbScalar, ddbSet, ddbString, ddbTable,
  ddbVector, ddbVoid, type DdbCell, type DdbObject, type DdbScalarType,
} from '../../core/dolphindb/objects.js';
import { exampleTable } from '../../emulator/canned-tables.js';
import { DdbWireError } from '../../core/dolphindb/wire-error.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function f64le(...values: number[]): string {
  return values.map((v) => { const b = Buffer.alloc(8); b.writeDoubleLE(v); return b.toString('hex'); }).join('');
}

function roundTrip(obj: DdbObject): DdbObject {
  const bytes = encodeObject(obj);
  const decoded = decodeObject(bytes);
  assert.equal(decoded.kind, 'ok');
  if (decoded.kind !== 'ok') throw new Error('unreachable');
  assert.equal(decoded.end, bytes.length, 'the decoder consumes exactly the encoded bytes');
  return decoded.value;
}

/** Two sample items and the NULL of every scalar type. */
const SAMPLES: ReadonlyArray<[DdbScalarType, DdbCell[]]> = [
  ['BOOL', [1, 0, DDB_NULL.i8]], ['CHAR', [65, -5, DDB_NULL.i8]], ['SHORT', [1234, -32767, DDB_NULL.i16]],
  ['INT', [2, -2147483647, DDB_NULL.i32]], ['LONG', [42n, -(2n ** 62n), DDB_NULL.i64]],
  ['DATE', [19_000, 0, DDB_NULL.i32]], ['MONTH', [24_300, 1, DDB_NULL.i32]], ['TIME', [3_600_000, 5, DDB_NULL.i32]],
  ['MINUTE', [600, 1, DDB_NULL.i32]], ['SECOND', [86_399, 0, DDB_NULL.i32]], ['DATETIME', [1_700_000_000, 1, DDB_NULL.i32]],
  ['TIMESTAMP', [1_700_000_000_000n, 1n, DDB_NULL.i64]], ['NANOTIME', [1n, 999n, DDB_NULL.i64]],
  ['NANOTIMESTAMP', [1_700_000_000_000_000_000n, 7n, DDB_NULL.i64]], ['FLOAT', [1.5, -0.25, DDB_NULL.f32]],
  ['DOUBLE', [3.14159, -1e300, DDB_NULL.f64]], ['SYMBOL', ['AAPL', 'ÄÖ', '']], ['STRING', ['hello', '中文', '']],
  ['DATEHOUR', [472_000, 3, DDB_NULL.i32]], ['VOID', [null, null, null]],
];

describe('object bytes match the protocol notes', () => {
  test('INT scalar 2 is 04 00 02 00 00 00', () => {
    assert.deepEqual(encodeObject(ddbInt(2)), hex('0400 02000000'));
  });

  test('LONG 42, BOOL true, VOID and a STRING scalar have the documented layouts', () => {
    assert.deepEqual(encodeObject(ddbLong(42n)), hex('0500 2a00000000000000'));
    assert.deepEqual(encodeObject(ddbBool(true)), hex('0100 01'));
    assert.deepEqual(encodeObject(ddbVoid()), hex('0000 01'));
    assert.deepEqual(encodeObject(ddbString('3.00')), Buffer.concat([hex('1200'), Buffer.from('3.00'), hex('00')]));
  });

  test('INT vector 1..5 and a STRING vector carry rows, cols=1 and the items', () => {
    assert.deepEqual(encodeObject(ddbVector('INT', [1, 2, 3, 4, 5])),
      hex('0401 05000000 01000000 01000000 02000000 03000000 04000000 05000000'));
    assert.deepEqual(encodeObject(ddbVector('STRING', ['tom', 'bob', 'tony'])),
      hex('1201 03000000 01000000 746f6d00 626f6200 746f6e7900'));
  });

  test('the example table is the 104 bytes the real clients decoded', () => {
    const expected = hex(`0006 03000000 03000000 00 696400 6e616d6500 707269636500
      0401 03000000 01000000 01000000 02000000 03000000
      1201 03000000 01000000 746f6d00 626f6200 746f6e7900
      1001 03000000 01000000 ${f64le(1.5, 2.25, 3.0)}`);
    const bytes = encodeObject(exampleTable());
    assert.equal(bytes.length, 104);
    assert.deepEqual(bytes, expected);
    assert.deepEqual(roundTrip(exampleTable()), exampleTable());
  });

  test('a dict is <value type> 05, then the keys vector, then the values vector', () => {
    const dict = ddbDict(ddbVector('STRING', ['a']), ddbVector('DOUBLE', [0.5]));
    assert.deepEqual(encodeObject(dict), hex(`1005 1201 01000000 01000000 6100 1001 01000000 01000000 ${f64le(0.5)}`));
  });

  test('a set is its header followed by a whole vector object', () => {
    assert.deepEqual(encodeObject(ddbSet('INT', [7])), hex('0404 0401 01000000 01000000 07000000'));
  });
});

describe('every type and form survives a round trip', () => {
  for (const [type, cells] of SAMPLES) {
    test(`${type} scalars, vectors, pairs and sets`, () => {
      for (const cell of cells) assert.deepEqual(roundTrip(ddbScalar(type, cell)), ddbScalar(type, cell));
      assert.deepEqual(roundTrip(ddbVector(type, cells)), ddbVector(type, cells));
      assert.deepEqual(roundTrip(ddbVector(type, [])), ddbVector(type, []));
      assert.deepEqual(roundTrip(ddbPair(type, cells[0] ?? null, cells[1] ?? null)), ddbPair(type, cells[0] ?? null, cells[1] ?? null));
      assert.deepEqual(roundTrip(ddbSet(type, cells)), ddbSet(type, cells));
    });
  }

  test('ANY vectors nest scalars, vectors, dicts and tables', () => {
    const inner = ddbAnyVector([ddbInt(1), ddbString('x'), ddbVector('DOUBLE', [1, 2])]);
    const obj = ddbAnyVector([inner, ddbDict(ddbVector('INT', [1]), ddbAnyVector([ddbVoid()])), exampleTable(), ddbAnyVector([])]);
    assert.deepEqual(roundTrip(obj), obj);
  });

  test('dicts with typed and ANY values, tables with ANY and empty columns', () => {
    const d1 = ddbDict(ddbVector('STRING', ['cpu', 'mem']), ddbVector('DOUBLE', [1.5, 2]));
    const d2 = ddbDict(ddbVector('STRING', ['cpu', 'mem']), ddbAnyVector([ddbScalar('DOUBLE', 1.5), ddbLong(2n)]));
    const t = ddbTable([
      { name: 'a', data: ddbAnyVector([ddbInt(1), ddbString('b')]) },
      { name: 'b', data: ddbVector('LONG', [1n, 2n]) },
    ], 'named');
    for (const obj of [d1, d2, t, ddbTable([]), ddbTable([{ name: 'empty', data: ddbVector('INT', []) }])]) {
      assert.deepEqual(roundTrip(obj), obj);
    }
  });

  test('big-endian senders are decoded with littleEndian: false', () => {
    const r = decodeObject(hex('0004 00000002'), 0, { littleEndian: false });
    assert.deepEqual(r, { kind: 'ok', value: ddbInt(2), end: 6 });
  });
});

describe('partial and invalid input', () => {
  test('every strict prefix of a valid object is incomplete, never an error', () => {
    const objects: DdbObject[] = [exampleTable(), ddbString('abc'), ddbSet('STRING', ['x', 'y']),
      ddbDict(ddbVector('STRING', ['k']), ddbAnyVector([ddbInt(1)])), ddbPair('INT', 1, 2)];
    for (const obj of objects) {
      const bytes = encodeObject(obj);
      for (let n = 0; n < bytes.length; n++) {
        assert.deepEqual(decodeObject(bytes.subarray(0, n)), { kind: 'incomplete' }, `prefix ${n} of ${obj.form}`);
      }
    }
  });

  const BAD: ReadonlyArray<[string, string]> = [
    ['an unknown type code', '6300 00'],
    ['a matrix (form 3)', '0403 01000000 01000000 01000000'],
    ['a negative row count', '0401 ffffffff 01000000'],
    ['a vector with 2 columns', '0401 01000000 02000000 01000000'],
    ['a pair of 3 items', '0402 03000000 01000000 010000000200000003000000'],
    ['a dict whose keys and values differ in length', '0405 0401 01000000 01000000 01000000 0401 00000000 01000000'],
    ['a table column of the wrong length', '0006 02000000 01000000 00 6100 0401 01000000 01000000 01000000'],
    ['an ANY scalar', '1900 00'],
  ];
  for (const [what, bytes] of BAD) {
    test(`${what} is a DdbWireError`, () => {
      assert.throws(() => decodeObject(hex(bytes)), (e: unknown) => e instanceof DdbWireError && e.code === 'ORCA_DDB_PROTOCOL');
    });
  }

  test('a huge fixed-width vector claim fails at once instead of waiting for gigabytes', () => {
    assert.throws(() => decodeObject(hex('0501 ffffff7f 01000000')), DdbWireError);
  });

  test('nesting deeper than the bound is refused, not a stack overflow', () => {
    const deep = Buffer.concat([...Array.from({ length: 5000 }, () => hex('1901 01000000 01000000')), hex('0400 01000000')]);
    assert.throws(() => decodeObject(deep), DdbWireError);
  });

  test('the encoder refuses values that would corrupt the stream', () => {
    assert.throws(() => encodeObject(ddbString('a\0b')), DdbWireError);
    assert.throws(() => encodeObject(ddbScalar('INT', 2 ** 40)), DdbWireError);
    assert.throws(() => encodeObject(ddbScalar('LONG', 5)), DdbWireError);
    assert.throws(() => encodeObject({ form: 'pair', type: 'INT', values: [1, 2, 3] }), DdbWireError);
    assert.throws(() => encodeObject(ddbTable([
      { name: 'a', data: ddbVector('INT', [1]) }, { name: 'b', data: ddbVector('INT', [1, 2]) },
    ])), DdbWireError);
  });
});
