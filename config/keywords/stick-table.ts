// `stick-table type ip|ipv6|integer|string [len N]|binary [len N] size N [expire T] [nopurge] [peers P]
// [srvkey name|addr] [store <type>[,<type>…]]…` (manual §4.2 stick-table): parsed into config/model.ts
// StickTableConfig with HAProxy 2.6's verdicts and texts (its parse_stick_table, checked against haproxy -c), plus
// orcalb's own limit: tables are preallocated in shared memory, so one whose slots would not fit is refused.
// Main thread, config parsing.

import {
  STICK_DATA_TYPES,
  STICK_MAX_ARRAY,
  capacityFor,
  keyWordsOf,
  stickDataType,
  storageWords,
  type StickDataTypeSpec,
} from '../../core/shared/stick-layout.js';
import type { Diagnostics } from '../diagnostics.js';
import type { SourceRef, StickKeyType, StickStoreConfig, StickTableConfig } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseTime, trailingTimeWarning } from '../units.js';

/** The key types and the bytes they hold (string/binary: `len`, 32 by default). */
const KEY_TYPES: Readonly<Record<string, number>> = { ip: 4, ipv6: 16, integer: 4, string: 32, binary: 32 };

/**
 * The most words one table may take in the shared buffer (1 GiB). HAProxy allocates entries as they come; orcalb
 * reserves every slot at start, so a `size`/`len` HAProxy would only reach under load must fit at once.
 */
const MAX_TABLE_WORDS = 2 ** 28;

/**
 * HAProxy's parse_size_err: decimal digits and an optional k/m/g suffix, into an unsigned 32-bit count. Returns
 * the value, or the character it stopped at (the digit or suffix that overflows, or a stray character).
 */
function parseTableSize(text: string): number | { char: string } {
  let value = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    if (value > 0xffff_ffff) return { char: text.charAt(i) };
  }
  if (i === text.length) return value;
  const unit = text.charAt(i).toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 0;
  if (scale === 0 || i + 1 !== text.length || value * scale > 0xffff_ffff) return { char: text.charAt(i) };
  return value * scale;
}

/** C's atol on a `len` word: optional sign, leading digits, 0 when none. */
function atol(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** One item of a `store` list: `name`, `name(a)`, `name(a,b)` (HAProxy keeps the last comma's text as b). */
interface StoreItem {
  readonly name: string;
  readonly first: string | undefined;
  readonly second: string | undefined;
}

/** Splits a `store` word into items; HAProxy's text for an unclosed parenthesis. */
function storeItems(word: string): StoreItem[] | string {
  const items: StoreItem[] = [];
  let i = 0;
  while (i < word.length) {
    let name = '';
    let first: string | undefined;
    let second: string | undefined;
    while (i < word.length && word.charAt(i) !== ',') {
      if (word.charAt(i) === '(') {
        const close = word.indexOf(')', i + 1);
        if (close < 0) return `missing closing parenthesis after store option '${name}'.`;
        const inner = word.slice(i + 1, close);
        const comma = inner.lastIndexOf(',');
        first = comma < 0 ? inner : inner.slice(0, inner.indexOf(','));
        if (comma >= 0) second = inner.slice(comma + 1);
        i = close + 1;
        // Text after ')' up to the next comma is skipped, as HAProxy's scan does.
        while (i < word.length && word.charAt(i) !== ',') i++;
        break;
      }
      name += word.charAt(i++);
    }
    items.push({ name, first, second });
    // Skip the comma; an empty item between two commas is kept (it is HAProxy's "unknown store option ''").
    i++;
  }
  return items;
}

/** Checks one `store` item against its type; the stored form, or HAProxy's error text. */
function storeOption(spec: StickDataTypeSpec, item: StoreItem, ctx: { readonly diag: Diagnostics; readonly at: SourceRef }): StickStoreConfig | string {
  let count = 1;
  let arg = item.first;
  if (spec.array) {
    if (arg === undefined) return `missing argument to store option '${item.name}'.`;
    count = Math.trunc(atol(arg));
    if (count < 1 || count > STICK_MAX_ARRAY) {
      return `array size is out of allowed range (1-${STICK_MAX_ARRAY}) for store option '${item.name}'.`;
    }
    arg = item.second;
  }
  if (spec.arg === 'none') {
    if (arg !== undefined) return `unexpected argument to store option '${item.name}'.`;
    return { type: spec.name, count, period: 0 };
  }
  if (arg === undefined) return `missing argument to store option '${item.name}'.`;
  const t = parseTime(arg, 'ms');
  if (t.kind !== 'ok') return `error when processing store option '${item.name}'.`;
  if (t.trailing !== undefined) ctx.diag.warn(trailingTimeWarning(arg, t.trailing), ctx.at);
  // A 0 ms period is accepted by HAProxy; counting over 1 ms is the nearest thing that can be computed.
  return { type: spec.name, count, period: Math.max(1, t.ms) };
}

/** The gpt/gpc/gpc_rate array types exclude their legacy single forms in one table. */
function storeConflict(store: readonly StickStoreConfig[]): string | undefined {
  const has = (n: string): boolean => store.some((s) => s.type === n);
  if (has('gpt') && has('gpt0')) {
    return "simultaneous usage of 'gpt' and 'gpt0' in a same table is not permitted as 'gpt' overrides 'gpt0'.";
  }
  if (has('gpc') && (has('gpc0') || has('gpc1'))) {
    return "simultaneous usage of 'gpc' and 'gpc[0/1]' in a same table is not permitted as 'gpc' overrides 'gpc[0/1]'.";
  }
  if (has('gpc_rate') && (has('gpc0_rate') || has('gpc1_rate'))) {
    return "simultaneous usage of 'gpc_rate' and 'gpc[0/1]_rate' in a same table is not permitted as 'gpc_rate' overrides 'gpc[0/1]_rate'.";
  }
  return undefined;
}

/** Words one entry of the table takes, with one forwarder's track word (more threads add one word each). */
function entryWords(keyType: StickKeyType, keyLen: number, store: readonly StickStoreConfig[]): number {
  let words = 5 + 1 + keyWordsOf(keyType, keyLen) + 1;
  for (const s of store) words += storageWords(stickDataType(s.type)?.storage ?? 'uint') * s.count;
  return words;
}

/** Parses a `stick-table` line into `ctx.proxy.stick.table`. Never throws; problems go to `ctx.diag`. */
export function parseStickTableLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const previous = proxy.stick.table;
  if (previous !== undefined) {
    const kind = proxy.kind === 'listen' ? 'listen' : proxy.kind;
    diag.badValue(
      `stick-table name '${proxy.name}' conflicts with table declared in ${kind} '${proxy.name}' at ${previous.source.file}:${previous.source.line}.`,
      at,
    );
    return;
  }
  const table = parseTableArgs(args, 1, proxy.name, at, diag);
  if (table !== undefined) proxy.stick.table = table;
}

/**
 * The table that the words of `args` from `from` on declare under `name` (a `stick-table` line's, or a peers
 * section's `table NAME` line's), or undefined with HAProxy's complaint in `diag`. Never throws.
 */
export function parseTableArgs(args: readonly string[], from: number, name: string, at: SourceRef, diag: Diagnostics): StickTableConfig | undefined {
  const ctx = { diag, at };
  const fail = (text: string): undefined => diag.badValue(`stick-table: ${text}`, at);
  let keyType: StickKeyType | undefined;
  let keyLen = 0;
  let size = 0;
  let expire = 0;
  let nopurge = false;
  let peers: string | undefined;
  let srvkey: 'name' | 'addr' = 'name';
  const store: StickStoreConfig[] = [];
  let i = from;
  while (i < args.length && (args[i] ?? '') !== '') {
    const word = args[i] ?? '';
    const value = args[i + 1] ?? '';
    if (word === 'size' || word === 'expire' || word === 'peers') {
      if (value === '') return fail(`missing argument after '${word}'.`);
      i += 2;
      if (word === 'peers') {
        peers = value;
      } else if (word === 'size') {
        const n = parseTableSize(value);
        if (typeof n !== 'number') return fail(`unexpected character '${n.char}' in argument of 'size'.`);
        size = n;
      } else {
        const t = parseTime(value, 'ms');
        if (t.kind === 'overflow') {
          return fail(`timer overflow in argument <${value}> to <expire>, maximum value is 2147483647 ms (~24.8 days).`);
        }
        if (t.kind !== 'ok') return fail(`unexpected character '${t.kind === 'bad-char' ? t.char : ''}' in argument of 'expire'.`);
        if (t.trailing !== undefined) diag.warn(trailingTimeWarning(value, t.trailing), at);
        expire = t.ms;
      }
    } else if (word === 'nopurge') {
      nopurge = true;
      i++;
    } else if (word === 'type') {
      const typeWord = args[i + 1] ?? '';
      const width = KEY_TYPES[typeWord];
      if (width === undefined) return fail(`unknown type '${typeWord}'.`);
      keyType = typeWord as StickKeyType;
      keyLen = width;
      i += 2;
      if ((keyType === 'string' || keyType === 'binary') && args[i] === 'len') {
        const len = atol(args[i + 1] ?? '');
        if (len === 0) return fail(`unknown type '${args[i + 1] ?? ''}'.`);
        keyLen = len;
        i += 2;
      }
    } else if (word === 'store') {
      const items = storeItems(value);
      if (typeof items === 'string') return fail(items);
      for (const item of items) {
        const spec = stickDataType(item.name === 'server_name' ? 'server_key' : item.name);
        if (spec === undefined) return fail(`unknown store option '${item.name}'.`);
        if (store.some((s) => s.type === spec.name)) {
          diag.warn(`stick-table: store option '${item.name}' already enabled, ignored.`, at);
          continue;
        }
        const option = storeOption(spec, item, ctx);
        if (typeof option === 'string') return fail(option);
        store.push(option);
      }
      const conflict = storeConflict(store);
      if (conflict !== undefined) return fail(conflict);
      i += 2;
    } else if (word === 'srvkey') {
      if (value !== 'name' && value !== 'addr') return diag.badValue(`stick-table : unknown server key type '${value}'.`, at);
      srvkey = value;
      i += 2;
    } else {
      return fail(`unknown argument '${word}'.`);
    }
  }
  if (size === 0) return fail('missing size.');
  if (keyType === undefined) return fail('missing type.');
  const words = capacityFor(size) * entryWords(keyType, keyLen, store);
  if (keyLen < 0 || words > MAX_TABLE_WORDS) {
    return fail(
      `orcalb reserves every entry of a table in shared memory at start, and ${size} entries` +
        `${keyType === 'string' || keyType === 'binary' ? ` of ${keyLen} bytes` : ''} need ${Math.ceil((words * 4) / 2 ** 20)} MB ` +
        `(at most ${(MAX_TABLE_WORDS * 4) / 2 ** 20} MB per table): lower 'size' or 'len'.`,
    );
  }
  return {
    source: at,
    name,
    keyType,
    keyLen,
    size,
    expire,
    nopurge,
    ...(peers === undefined ? {} : { peers }),
    srvkey,
    store,
  };
}

/** Every store option name `stick-table` accepts (the data types, and `server_name`, HAProxy's old name). */
export const STORE_OPTION_NAMES: readonly string[] = [...STICK_DATA_TYPES.map((t) => t.name), 'server_name'];
