// HAProxy 2.6's "typed output format" (management guide §9.2) for the runtime API: `show info typed` lines
// (`<pos>.<name>.<process>:<tags>:<type>:<value>`), `show stat typed` lines (`<F|B|S|L>.<proxy id>.<id>.<pos>.
// <name>.<process>:<tags>:<type>:<value>`), and the `show info json` array. Tags are three letters (origin, nature,
// scope) spelt in full in JSON. The per-field tags and the info positions (2.6.12 numbers the info fields with gaps
// where it has fields it never prints: 45-46 zlib, 51 description) were read off haproxy 2.6.12 (facts of the
// format). Stats thread; allocates per answer.

import build from 'fast-json-stringify';
import { INFO_FIELDS, type InfoRow, type StatRow, type StatValue } from './stat-columns.js';
import { statsJsonCells } from './stats-json.js';

const ORIGIN: Readonly<Record<string, string>> = { M: 'Metric', S: 'Status', K: 'Key', C: 'Config', P: 'Product' };
const NATURE: Readonly<Record<string, string>> = {
  G: 'Gauge', L: 'Limit', m: 'Min', M: 'Max', R: 'Rate', C: 'Counter', D: 'Duration', A: 'Age', T: 'Time', N: 'Name',
  O: 'Output', a: 'Avg',
};
const SCOPE: Readonly<Record<string, string>> = { P: 'Process', S: 'Service', s: 'System', C: 'Cluster' };

/** The letter of each spelt-out tag (Metric → M …), for the stat cells stats-json.ts tags in full. */
function letterOf(table: Readonly<Record<string, string>>, name: string): string {
  for (const [k, v] of Object.entries(table)) if (v === name) return k;
  return '?';
}

/** 2.6.12's `tags:type` of each info field, in INFO_FIELDS order. */
const INFO_TAGS = (
  'POS:str POS:str POS:str CGS:u32 CGS:u32 KGP:u32 SGP:u32 MDP:str MDP:u32 CLP:u32 MGP:u32 MGP:u32 MCP:u32 CLP:u32 ' +
  'CLP:u32 CLP:u32 CLP:u32 MGP:u32 MCP:u32 MCP:u32 MMP:u32 MGP:u32 MCP:u32 CLP:u32 MGP:u32 MGP:u32 MRP:u32 CLP:u32 ' +
  'MMP:u32 MRP:u32 CLP:u32 MRP:u32 MRP:u32 CLP:u32 MMP:u32 MGP:u32 MMP:u32 MGP:u32 MRP:u32 MMP:u32 MCP:u32 MCP:u32 ' +
  'MRP:u32 MRP:u32 CLP:u32 MGP:u32 MGP:u32 MaP:u32 COS:str MGP:u32 MGP:u32 MGP:u32 MGP:u32 MGP:u32 MGP:u32 MGP:u32 ' +
  'MGP:u32 MGP:u32 MGP:u64 MGP:u64 MRP:u64 MGP:u32 MCP:u32 POS:str CLP:u32 MGP:u64 MGP:u64 MDP:u32 SGP:str'
).split(' ');

/** The position 2.6.12 gives info field `i` (its enum has three fields it never prints). Pure. */
export function infoPosition(i: number): number {
  return i < 45 ? i : i < 49 ? i + 2 : i + 3;
}

function valueText(v: StatValue): string {
  return v === undefined ? '' : String(v);
}

/** `show info typed`: one line per field that has a value. Pure. */
export function renderInfoTyped(info: InfoRow): string {
  let out = '';
  INFO_FIELDS.forEach((name, i) => {
    const v = info[i];
    if (v === undefined) return;
    out += `${infoPosition(i)}.${name}.1:${INFO_TAGS[i] ?? 'MGP:u32'}:${valueText(v)}\n`;
  });
  return out;
}

interface InfoCell {
  readonly field: { readonly pos: number; readonly name: string };
  readonly processNum: number;
  readonly tags: { readonly origin: string; readonly nature: string; readonly scope: string };
  readonly value: { readonly type: string; readonly value: number | string };
}

const stringifyInfo = build({
  type: 'array',
  items: {
    type: 'object',
    properties: {
      field: { type: 'object', properties: { pos: { type: 'integer' }, name: { type: 'string' } } },
      processNum: { type: 'integer' },
      tags: { type: 'object', properties: { origin: { type: 'string' }, nature: { type: 'string' }, scope: { type: 'string' } } },
      value: { type: 'object', properties: { type: { type: 'string' }, value: { type: ['integer', 'string'] } } },
    },
  },
});

/** `show info json`: the array of the fields that have a value, then a newline (as 2.6.12). Pure. */
export function renderInfoJson(info: InfoRow): string {
  const cells: InfoCell[] = [];
  INFO_FIELDS.forEach((name, i) => {
    const v = info[i];
    if (v === undefined) return;
    const [tags = 'MGP', type = 'u32'] = (INFO_TAGS[i] ?? 'MGP:u32').split(':');
    cells.push({
      field: { pos: infoPosition(i), name },
      processNum: 1,
      tags: { origin: ORIGIN[tags[0] ?? ''] ?? '', nature: NATURE[tags[1] ?? ''] ?? '', scope: SCOPE[tags[2] ?? ''] ?? '' },
      value: { type, value: typeof v === 'bigint' ? Number(v) : typeof v === 'number' || typeof v === 'string' ? v : '' },
    });
  });
  return `${stringifyInfo(cells)}\n`;
}

/** `show stat typed`: one line per non-empty cell of every row, no line between rows (as 2.6.12). Pure. */
export function renderStatTyped(rows: readonly StatRow[]): string {
  let out = '';
  for (const row of rows) {
    for (const c of statsJsonCells(row)) {
      const tags = letterOf(ORIGIN, c.tags.origin) + letterOf(NATURE, c.tags.nature) + letterOf(SCOPE, c.tags.scope);
      out += `${c.objType[0] ?? 'F'}.${c.proxyId}.${c.id}.${c.field.pos}.${c.field.name}.1:${tags}:${c.value.type}:${c.value.value}\n`;
    }
  }
  return out;
}
