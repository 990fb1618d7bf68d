// DolphinDB data objects as the codec sees them: type and form codes (protocol notes §5), the storage class of each
// type, null sentinels, and constructors. Values stay raw (DATE is its INT day count, nulls are the sentinels), so a
// decode/encode round trip is byte-exact. Pure data; any thread.

/** Type codes (byte 0 of every object). Only the types this codec can carry are listed. */
export const DDB_TYPE = {
  VOID: 0, BOOL: 1, CHAR: 2, SHORT: 3, INT: 4, LONG: 5, DATE: 6, MONTH: 7, TIME: 8, MINUTE: 9, SECOND: 10,
  DATETIME: 11, TIMESTAMP: 12, NANOTIME: 13, NANOTIMESTAMP: 14, FLOAT: 15, DOUBLE: 16, SYMBOL: 17, STRING: 18,
  ANY: 25, DATEHOUR: 28,
} as const;

/** Form codes (byte 1 of every object). Matrix (3) and beyond are not supported by this codec. */
export const DDB_FORM = { scalar: 0, vector: 1, pair: 2, set: 4, dict: 5, table: 6 } as const;

export type DdbTypeName = keyof typeof DDB_TYPE;
/** Every type that can be a scalar or the item type of a typed vector (ANY is only a vector of objects). */
export type DdbScalarType = Exclude<DdbTypeName, 'ANY'>;
export type DdbFormName = keyof typeof DDB_FORM;

/** How a type's items are laid out on the wire. */
export type DdbStorage = 'void' | 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'str';

export const DDB_STORAGE: Readonly<Record<DdbScalarType, DdbStorage>> = {
  VOID: 'void', BOOL: 'i8', CHAR: 'i8', SHORT: 'i16', INT: 'i32', LONG: 'i64', DATE: 'i32', MONTH: 'i32',
  TIME: 'i32', MINUTE: 'i32', SECOND: 'i32', DATETIME: 'i32', TIMESTAMP: 'i64', NANOTIME: 'i64',
  NANOTIMESTAMP: 'i64', FLOAT: 'f32', DOUBLE: 'f64', SYMBOL: 'str', STRING: 'str', DATEHOUR: 'i32',
};

/** Bytes per item for fixed-width storage; strings are NUL-terminated and VOID takes one byte. */
export const STORAGE_WIDTH: Readonly<Record<Exclude<DdbStorage, 'str'>, number>> = {
  void: 1, i8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8,
};

/** DolphinDB's NULL of each storage class (a value, not a flag: the wire has no null bitmap). */
export const DDB_NULL = {
  i8: -128,
  i16: -32768,
  i32: -2147483648,
  i64: -(2n ** 63n),
  f32: -3.4028234663852886e38,
  f64: -Number.MAX_VALUE,
  str: '',
} as const;

/** One item: number for 8/16/32-bit and floating types, bigint for 64-bit, string for text, null for VOID. */
export type DdbCell = number | bigint | string | null;

export interface DdbScalar {
  readonly form: 'scalar';
  readonly type: DdbScalarType;
  readonly value: DdbCell;
}

/** A typed vector; pair (2 items) and set share its item layout. */
export interface DdbVector {
  readonly form: 'vector' | 'pair' | 'set';
  readonly type: DdbScalarType;
  readonly values: readonly DdbCell[];
}

/** ANY vector (a tuple): each item is a whole object. */
export interface DdbAnyVector {
  readonly form: 'vector';
  readonly type: 'ANY';
  readonly values: readonly DdbObject[];
}

export type DdbColumnData = DdbVector | DdbAnyVector;

export interface DdbDict {
  readonly form: 'dict';
  readonly keys: DdbVector;
  readonly values: DdbColumnData;
}

export interface DdbColumn {
  readonly name: string;
  readonly data: DdbColumnData;
}

export interface DdbTable {
  readonly form: 'table';
  readonly name: string;
  readonly columns: readonly DdbColumn[];
}

export type DdbObject = DdbScalar | DdbVector | DdbAnyVector | DdbDict | DdbTable;

/** Type name of a wire type code, or undefined for codes this codec does not carry. */
export function typeNameOf(code: number): DdbTypeName | undefined {
  for (const [name, value] of Object.entries(DDB_TYPE)) {
    if (value === code) return name as DdbTypeName;
  }
  return undefined;
}

/** Form name of a wire form code, or undefined for matrix, chart, chunk and the rest. */
export function formNameOf(code: number): DdbFormName | undefined {
  for (const [name, value] of Object.entries(DDB_FORM)) {
    if (value === code) return name as DdbFormName;
  }
  return undefined;
}

/**
 * Why `cell` cannot be an item of `type`, or undefined when it can. The encoder calls this so a wrong JS value
 * never produces bytes a client would misread.
 */
export function cellProblem(type: DdbScalarType, cell: DdbCell): string | undefined {
  const storage = DDB_STORAGE[type];
  const intIn = (lo: number, hi: number): boolean => typeof cell === 'number' && Number.isInteger(cell) && cell >= lo && cell <= hi;
  switch (storage) {
    case 'void': return cell === null ? undefined : `VOID holds only null, not ${typeof cell}`;
    case 'i8': return intIn(-128, 127) ? undefined : `${type} needs an integer in [-128, 127]`;
    case 'i16': return intIn(-32768, 32767) ? undefined : `${type} needs an integer in [-32768, 32767]`;
    case 'i32': return intIn(-2147483648, 2147483647) ? undefined : `${type} needs a 32-bit integer`;
    case 'i64':
      return typeof cell === 'bigint' && cell >= -(2n ** 63n) && cell < 2n ** 63n ? undefined : `${type} needs a 64-bit bigint`;
    case 'f32':
    case 'f64': return typeof cell === 'number' ? undefined : `${type} needs a number`;
    case 'str':
      // A NUL inside the text would end the string early on the wire and shift every later byte.
      return typeof cell === 'string' && !cell.includes('\0') ? undefined : `${type} needs a string without NUL`;
  }
}

/** Constructors: plain objects, no validation (the encoder checks each cell against its type). */
export function ddbScalar(type: DdbScalarType, value: DdbCell): DdbScalar {
  return { form: 'scalar', type, value };
}

export function ddbVector(type: DdbScalarType, values: readonly DdbCell[]): DdbVector {
  return { form: 'vector', type, values };
}

export function ddbAnyVector(values: readonly DdbObject[]): DdbAnyVector {
  return { form: 'vector', type: 'ANY', values };
}

export function ddbPair(type: DdbScalarType, first: DdbCell, second: DdbCell): DdbVector {
  return { form: 'pair', type, values: [first, second] };
}

export function ddbSet(type: DdbScalarType, values: readonly DdbCell[]): DdbVector {
  return { form: 'set', type, values };
}

export function ddbDict(keys: DdbVector, values: DdbColumnData): DdbDict {
  return { form: 'dict', keys, values };
}

export function ddbTable(columns: readonly DdbColumn[], name = ''): DdbTable {
  return { form: 'table', name, columns };
}

export const ddbInt = (n: number): DdbScalar => ddbScalar('INT', n);
export const ddbLong = (n: bigint): DdbScalar => ddbScalar('LONG', n);
export const ddbDouble = (n: number): DdbScalar => ddbScalar('DOUBLE', n);
export const ddbString = (s: string): DdbScalar => ddbScalar('STRING', s);
export const ddbBool = (b: boolean): DdbScalar => ddbScalar('BOOL', b ? 1 : 0);
/** VOID is a one-byte scalar; null is the only value (the byte is written as 1, "null"). */
export const ddbVoid = (): DdbScalar => ddbScalar('VOID', null);

/** Rows of a table: the length of its first column (0 for a table without columns). */
export function tableRows(table: DdbTable): number {
  return table.columns[0]?.data.values.length ?? 0;
}
