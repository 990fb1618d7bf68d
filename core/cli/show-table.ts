// The runtime API's `show table [<name> [data.<type> <op> <value>]* | [key <key>]]` (HAProxy 2.6 management guide
// §9.3, stick tables §11): without a name one `# table: …` line per table (2.6.12 lists them last declared first);
// with one, its line then one line per live entry, `<id>: key=<k> use=<sessions> exp=<ms left>` and each stored
// data type in HAProxy's order (`http_req_rate(10000)=3`). Where haproxy prints the entry's memory address orcalb
// prints its slot number in hex. Entries are read without the table lock (each re-checked by its stamp after its
// words are read), so a listing never slows a forwarder. Stats thread.

import { STICK_DATA_TYPES, type StickField } from '../shared/stick-layout.js';
import { stickStores, type StickStore } from '../shared/stick-store.js';
import { stickNow } from '../stick/stick-clock.js';
import type { CliCommand, CliContext } from './cli-command.js';

const OPS = ['eq', 'ne', 'le', 'ge', 'lt', 'gt'] as const;
type Op = (typeof OPS)[number];

interface Filter {
  readonly field: StickField;
  readonly op: Op;
  readonly value: number;
}

function header(t: StickStore): string {
  return `# table: ${t.layout.name}, type: ${t.layout.keyType}, size:${t.layout.size}, used:${t.count()}\n`;
}

function ipv4(word: number): string {
  return `${(word >>> 24) & 255}.${(word >>> 16) & 255}.${(word >>> 8) & 255}.${word & 255}`;
}

function ipv6(words: Int32Array): string {
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const v = words[w] ?? 0;
    groups.push(((v >>> 16) & 0xffff).toString(16), (v & 0xffff).toString(16));
  }
  // inet_ntop's shortening: the longest run of two or more zero groups becomes `::`.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function keyText(t: StickStore, slot: number): string {
  const words = new Int32Array(t.layout.keyWords);
  t.readKey(slot, words);
  switch (t.layout.keyType) {
    case 'ip':
      return ipv4(words[0] ?? 0);
    case 'ipv6':
      return ipv6(words);
    case 'integer':
      return String(words[0] ?? 0);
    default: {
      const bytes = new Uint8Array(words.buffer, 0, Math.min(t.readKeyLen(slot), words.byteLength));
      if (t.layout.keyType === 'string') return Buffer.from(bytes).toString('latin1');
      return Buffer.from(new Uint8Array(words.buffer, 0, Math.min(t.layout.keyLen, words.byteLength))).toString('hex').toUpperCase();
    }
  }
}

function valueOf(t: StickStore, slot: number, f: StickField, now: number, idx = 0): number {
  switch (f.storage) {
    case 'tracks':
      return t.tracks(slot);
    case 'freq':
      return t.readRate(slot, f, now, idx);
    case 'ull':
      return t.loadUll(slot, f, idx);
    case 'sint':
      return t.loadSint(slot, f, idx);
    default:
      return t.loadUint(slot, f, idx);
  }
}

/**
 * Whether `server_id` is shown: HAProxy adds it to a table only when listed or used by a `stick` rule; orcalb's
 * layout always holds it.
 */
function showsServerId(ctx: CliContext, t: StickStore): boolean {
  const cfg = ctx.config.stickTables?.[t.layout.index];
  if (cfg?.store.some((s) => s.type === 'server_id') === true) return true;
  return ctx.config.backends.some((b) => b.stickRules?.some((r) => r.table === t.layout.index) === true);
}

function dataText(ctx: CliContext, t: StickStore, slot: number, now: number): string {
  let out = '';
  const serverId = showsServerId(ctx, t);
  for (const spec of STICK_DATA_TYPES) {
    const f = t.layout.fields.get(spec.name);
    if (f === undefined || (spec.name === 'server_id' && !serverId)) continue;
    const period = f.storage === 'freq' ? `(${f.period})` : '';
    if (spec.array) {
      const values: number[] = [];
      for (let i = 0; i < f.count; i++) values.push(valueOf(t, slot, f, now, i));
      out += ` ${spec.name}${period}=${values.join(',')}`;
    } else {
      out += ` ${spec.name}${period}=${valueOf(t, slot, f, now)}`;
    }
  }
  return out;
}

function entryLine(ctx: CliContext, t: StickStore, slot: number, now: number): string | undefined {
  const stamp = t.stampOf(slot);
  if (!t.isLive(slot)) return undefined;
  const exp = t.layout.expire > 0 ? Math.max(0, (t.expireOf(slot) - now) | 0) : 0;
  const line = `0x${slot.toString(16).padStart(12, '0')}: key=${keyText(t, slot)} use=${t.tracks(slot)} exp=${exp}${dataText(ctx, t, slot, now)}\n`;
  // The entry changed identity while it was read: leave it out rather than print a mix of two keys.
  return t.isCurrent(slot, stamp) ? line : undefined;
}

function matches(t: StickStore, slot: number, filters: readonly Filter[], now: number): boolean {
  for (const f of filters) {
    const v = valueOf(t, slot, f.field, now);
    const ok =
      f.op === 'eq' ? v === f.value : f.op === 'ne' ? v !== f.value : f.op === 'le' ? v <= f.value : f.op === 'ge' ? v >= f.value : f.op === 'lt' ? v < f.value : v > f.value;
    if (!ok) return false;
  }
  return true;
}

/** The `data.X op V` filters, or HAProxy's complaint about the first bad one. */
function parseFilters(t: StickStore, args: readonly string[]): Filter[] | string {
  const filters: Filter[] = [];
  for (let i = 0, n = 1; i < args.length; i += 3, n++) {
    const name = args[i] ?? '';
    if (!name.startsWith('data.')) return 'Optional argument only supports "data.<store_data_type>" <operator> <value> or key <key>\n';
    const type = name.slice('data.'.length);
    if (!STICK_DATA_TYPES.some((s) => s.name === type)) return `Filter entry #${n}: Unknown data type\n`;
    const field = t.layout.fields.get(type);
    if (field === undefined) return `Filter entry #${n}: Data type not stored in this table\n`;
    const op = args[i + 1] ?? '';
    if (!(OPS as readonly string[]).includes(op)) return `Filter entry #${n}: Require and operator among "eq", "ne", "le", "ge", "lt", "gt"\n`;
    const value = args[i + 2] ?? '';
    if (!/^-?\d+$/.test(value)) return `Filter entry #${n}: Require a valid integer value to compare against\n`;
    filters.push({ field, op: op as Op, value: Number(value) });
  }
  return filters;
}

function showTable(ctx: CliContext, args: readonly string[]): string {
  // A reader (thread -1): it holds no pin or track word of its own.
  const tables = stickStores(ctx.state, ctx.topology.stick, -1);
  const name = args[0];
  if (name === undefined) return [...tables].reverse().map(header).join('');
  const t = tables.find((x) => x.layout.name === name);
  if (t === undefined) return 'No such table\n';
  const now = stickNow();
  const rest = args.slice(1);
  let out = header(t);
  if (rest[0] === 'key') {
    const want = rest[1] ?? '';
    for (let slot = 0; slot < t.slots; slot++) {
      if (!t.isLive(slot) || keyText(t, slot) !== want) continue;
      out += entryLine(ctx, t, slot, now) ?? '';
    }
    return out;
  }
  const filters = parseFilters(t, rest);
  if (typeof filters === 'string') return filters;
  for (let slot = 0; slot < t.slots; slot++) {
    if (!t.isLive(slot) || !matches(t, slot, filters, now)) continue;
    out += entryLine(ctx, t, slot, now) ?? '';
  }
  return out;
}

export const TABLE_COMMANDS: readonly CliCommand[] = [
  {
    words: ['show', 'table'],
    level: 'user',
    help: { usage: 'show table <table> [<filter>]*', text: "report table usage stats or dump this table's contents (filter: data/key)" },
    run: showTable,
  },
];
