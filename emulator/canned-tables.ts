// Tables the emulated node answers for fixed scripts, since its evaluator does not run SQL or table():
// the protocol notes' example table (byte-exact, §5) and a small `trades` table. Scripts match with all
// whitespace and trailing semicolons removed. Pure; runs on the emulated node's thread.

import { ddbTable, ddbVector, type DdbTable } from '../core/dolphindb/objects.js';

/** `table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)`: the notes' 104-byte example. */
export function exampleTable(): DdbTable {
  return ddbTable([
    { name: 'id', data: ddbVector('INT', [1, 2, 3]) },
    { name: 'name', data: ddbVector('STRING', ['tom', 'bob', 'tony']) },
    { name: 'price', data: ddbVector('DOUBLE', [1.5, 2.25, 3.0]) },
  ]);
}

/** A small trades table: STRING symbols, TIMESTAMP (ms since epoch, LONG storage), DOUBLE prices, INT sizes. */
export function tradesTable(): DdbTable {
  const t0 = 1_735_689_600_000n; // 2025.01.01T00:00:00.000
  return ddbTable([
    { name: 'sym', data: ddbVector('STRING', ['AAPL', 'MSFT', 'AAPL', 'IBM', 'MSFT']) },
    { name: 'time', data: ddbVector('TIMESTAMP', [t0, t0 + 1000n, t0 + 2000n, t0 + 3000n, t0 + 4000n]) },
    { name: 'price', data: ddbVector('DOUBLE', [187.5, 402.25, 187.75, 168.0, 402.5]) },
    { name: 'qty', data: ddbVector('INT', [100, 200, 300, 50, 120]) },
  ]);
}

/** The canonical form scripts are matched in: no whitespace at all, no trailing `;`. */
export function cannedKey(script: string): string {
  return script.replace(/\s+/g, '').replace(/;+$/, '');
}

const CANNED: ReadonlyMap<string, () => DdbTable> = new Map([
  [cannedKey('table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)'), exampleTable],
  [cannedKey('select * from trades'), tradesTable],
  [cannedKey('trades'), tradesTable],
  [cannedKey('select * from trades limit 5'), tradesTable],
]);

/** The canned table for `script`, or undefined when the script is not one of them. */
export function cannedTable(script: string): DdbTable | undefined {
  return CANNED.get(cannedKey(script))?.();
}

/** The scripts with a canned answer, for the node's HTML page. */
export const CANNED_SCRIPTS: readonly string[] = [
  'table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)',
  'select * from trades',
];
