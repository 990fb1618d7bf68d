// The haproxy_frontend_*, haproxy_listener_*, haproxy_backend_* and haproxy_server_* families of HAProxy 2.6's
// exporter, rendered from StatSnapshot rows. Family by family (every proxy's line for one metric, then the next
// metric), as PROMEX groups them. What 2.6.12 does, observed side by side on a running haproxy:
// - a sample's value is its stats cell; an empty cell is NaN;
// - `status` is one-hot over a state label (frontend/backend DOWN|UP, listener WAITING|OPEN|FULL, server
//   DOWN|UP|MAINT|DRAIN|NOLB), `check_status` one-hot over 16 check results, only for servers whose check runs;
// - check_code is 0 below layer 5; check_duration and the queue/connect/response/total times are seconds with
//   six decimals (the cells hold milliseconds);
// - tcp-mode proxies have no HTTP families (requests, responses by code, compression, cache, intercepted);
// - the backend aggregates count its servers per state and per check result, and a backend without servers has none;
// - `no-maint` drops every server line of a server in maintenance (the backend aggregates still count it).
// Pure; the stats thread.

import { COL, StatType, type StatRow, type StatValue } from './stat-columns.js';
import {
  CHECK_STATES, HRSP_CODES, LISTENER_STATES, PROXY_FAMILIES, PROXY_STATES, SERVER_STATES, type PromType,
} from './prometheus-families.js';
import { escapeLabel, sampleValue, secondsValue, type ExpositionWriter } from './prometheus-text.js';

/** One proxy's rows, with its `proxy="…"` label text prepared once. */
export interface ProxyRows {
  readonly label: string;
  readonly frontend: StatRow | undefined;
  readonly listeners: readonly StatRow[];
  readonly servers: readonly StatRow[];
  readonly backend: StatRow | undefined;
}

const cell = (row: StatRow, column: number): StatValue => row.values[column];
const text = (v: StatValue): string => (typeof v === 'string' ? v : v === undefined ? '' : String(v));
const isHttp = (row: StatRow): boolean => cell(row, COL.mode) === 'http';

/** Groups the snapshot's rows by proxy, in snapshot order (proxies in config order, as 2.6 walks them). */
export function proxiesOf(rows: readonly StatRow[]): ProxyRows[] {
  const out: ProxyRows[] = [];
  let current: { name: string; p: { label: string; frontend?: StatRow; listeners: StatRow[]; servers: StatRow[]; backend?: StatRow } } | undefined;
  const flush = (): void => {
    if (current !== undefined) out.push({ frontend: undefined, backend: undefined, ...current.p });
  };
  for (const row of rows) {
    const name = text(cell(row, COL.pxname));
    if (current === undefined || current.name !== name) {
      flush();
      current = { name, p: { label: `proxy="${escapeLabel(name)}"`, listeners: [], servers: [] } };
    }
    const type = Number(cell(row, COL.type));
    if (type === StatType.FRONTEND) current.p.frontend = row;
    else if (type === StatType.BACKEND) current.p.backend = row;
    else if (type === StatType.LISTENER) current.p.listeners.push(row);
    else if (type === StatType.SERVER) current.p.servers.push(row);
  }
  flush();
  return out;
}

/** The server's state label as 2.6's exporter reads it, from the CSV status string. */
export function serverState(row: StatRow): (typeof SERVER_STATES)[number] {
  const s = text(cell(row, COL.status));
  if (s.startsWith('MAINT')) return 'MAINT';
  if (s.startsWith('DRAIN')) return 'DRAIN';
  if (s.startsWith('NOLB')) return 'NOLB';
  if (s.startsWith('UP') || s === 'no check') return 'UP';
  return 'DOWN';
}

/** The server's last check result without the "in progress" mark, or '' when its check does not run. */
function checkStatus(row: StatRow): string {
  const s = text(cell(row, COL.check_status));
  return s.startsWith('* ') ? s.slice(2) : s;
}

/** Columns that hold milliseconds and are exported as seconds. */
const SECONDS = new Set<number>([
  COL.check_duration, COL.qtime, COL.ctime, COL.rtime, COL.ttime, COL.qtime_max, COL.ctime_max, COL.rtime_max, COL.ttime_max,
]);
/** Columns a tcp-mode frontend or backend does not export (servers: only the hrsp_* ones). */
const HTTP_ONLY = new Set<number>([
  COL.req_rate_max, COL.req_tot, COL.intercepted, COL.cache_lookups, COL.cache_hits, COL.comp_in, COL.comp_out,
  COL.comp_byp, COL.comp_rsp, COL.hrsp_1xx,
]);

type ObjectKind = 'F' | 'L' | 'B' | 'S';

/** A row with its labels (no braces) and its plain `{labels}` part, both built once per scrape. */
type LabelledRow = readonly [row: StatRow, labels: string, braced: string];
const labelled = (row: StatRow, labels: string): LabelledRow => [row, labels, `{${labels}}`];

/** Pieces of the answer, each about ExpositionWriter's chunk size (see prometheusChunks). */
export type Chunks = Generator<string, void, void>;

interface Family {
  readonly name: string;
  readonly column: number;
  readonly type: PromType;
  readonly help: string;
}

function familiesOf(kind: ObjectKind, prefix: string): Family[] {
  return PROXY_FAMILIES.filter(([, , objects]) => objects.includes(kind)).map(([suffix, column, , type, help]) => ({
    name: prefix + suffix, column: COL[column], type, help,
  }));
}

const FAMILIES: Readonly<Record<ObjectKind, readonly Family[]>> = {
  F: familiesOf('F', 'haproxy_frontend_'),
  L: familiesOf('L', 'haproxy_listener_'),
  B: familiesOf('B', 'haproxy_backend_'),
  S: familiesOf('S', 'haproxy_server_'),
};

/** A plain sample of `row`'s cell, as seconds where the column holds milliseconds. */
function plain(row: StatRow, column: number): string {
  return SECONDS.has(column) ? secondsValue(cell(row, column)) : sampleValue(cell(row, column));
}

/** One-hot samples of `states` for the object whose labels are `labels` (no braces) and whose state is `state`. */
function oneHot(w: ExpositionWriter, name: string, labels: string, states: readonly string[], state: string): void {
  for (const s of states) w.sample(name, `{${labels},state="${s}"}`, state === s ? '1' : '0');
}

/** Samples of http_responses_total: code outside, object inside, as 2.6 orders them. */
function* responses(w: ExpositionWriter, name: string, objects: readonly LabelledRow[]): Chunks {
  for (const [code, column] of HRSP_CODES) {
    for (const [row, labels] of objects) {
      w.sample(name, `{${labels},code="${code}"}`, sampleValue(cell(row, COL[column])));
      if (w.full()) yield w.take();
    }
  }
}

/** haproxy_frontend_* (kind F) or haproxy_listener_* (kind L). */
export function* renderFrontends(w: ExpositionWriter, proxies: readonly ProxyRows[], kind: 'F' | 'L'): Chunks {
  const objects: LabelledRow[] = [];
  for (const p of proxies) {
    if (kind === 'F' && p.frontend !== undefined) objects.push(labelled(p.frontend, p.label));
    if (kind === 'L') for (const li of p.listeners) objects.push(labelled(li, `${p.label},listener="${escapeLabel(text(cell(li, COL.svname)))}"`));
  }
  for (const f of FAMILIES[kind]) {
    w.family(f.name, f.type, f.help);
    if (f.column === COL.hrsp_1xx) {
      yield* responses(w, f.name, objects.filter(([row]) => isHttp(row)));
      continue;
    }
    for (const [row, labels, braced] of objects) {
      if (f.column === COL.status) {
        const s = text(cell(row, COL.status));
        if (kind === 'F') oneHot(w, f.name, labels, PROXY_STATES, s === 'STOP' ? 'DOWN' : 'UP');
        else oneHot(w, f.name, labels, LISTENER_STATES, s);
      } else if (!HTTP_ONLY.has(f.column) || isHttp(row)) {
        w.sample(f.name, braced, plain(row, f.column));
      }
      if (w.full()) yield w.take();
    }
  }
}

/** The backend aggregates: how many of its servers are in each state (agg_server_*), or have each check result. */
function aggregates(w: ExpositionWriter, f: Family, p: ProxyRows): void {
  if (p.servers.length === 0) return;
  const byCheck = f.column === COL.agg_check_status;
  const states: readonly string[] = byCheck ? CHECK_STATES : SERVER_STATES;
  const counts = new Map<string, number>();
  for (const sv of p.servers) {
    const key = byCheck ? checkStatus(sv) : serverState(sv);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const s of states) w.sample(f.name, `{${p.label},state="${s}"}`, String(counts.get(s) ?? 0));
}

/** haproxy_backend_*. */
export function* renderBackends(w: ExpositionWriter, proxies: readonly ProxyRows[]): Chunks {
  const backends = proxies.filter((p) => p.backend !== undefined);
  for (const f of FAMILIES.B) {
    w.family(f.name, f.type, f.help);
    if (f.column === COL.hrsp_1xx) {
      yield* responses(w, f.name, backends.filter((p) => isHttp(p.backend as StatRow)).map((p) => labelled(p.backend as StatRow, p.label)));
      continue;
    }
    for (const p of backends) {
      const row = p.backend as StatRow;
      if (f.column === COL.status) oneHot(w, f.name, p.label, PROXY_STATES, text(cell(row, COL.status)) === 'UP' ? 'UP' : 'DOWN');
      else if (f.column === COL.agg_server_status || f.column === COL.agg_server_check_status || f.column === COL.agg_check_status) aggregates(w, f, p);
      else if (!HTTP_ONLY.has(f.column) || isHttp(row)) w.sample(f.name, `{${p.label}}`, plain(row, f.column));
      if (w.full()) yield w.take();
    }
  }
}

/** haproxy_server_*; `noMaint` leaves out the servers in maintenance. */
export function* renderServers(w: ExpositionWriter, proxies: readonly ProxyRows[], noMaint: boolean): Chunks {
  const servers: LabelledRow[] = [];
  for (const p of proxies) {
    if (p.backend === undefined) continue;
    for (const sv of p.servers) {
      if (noMaint && text(cell(sv, COL.status)).startsWith('MAINT')) continue;
      servers.push(labelled(sv, `${p.label},server="${escapeLabel(text(cell(sv, COL.svname)))}"`));
    }
  }
  for (const f of FAMILIES.S) {
    w.family(f.name, f.type, f.help);
    if (f.column === COL.hrsp_1xx) {
      yield* responses(w, f.name, servers.filter(([row]) => isHttp(row)));
      continue;
    }
    for (const [row, labels, braced] of servers) {
      if (f.column === COL.status) oneHot(w, f.name, labels, SERVER_STATES, serverState(row));
      else if (f.column === COL.check_status) {
        const s = checkStatus(row);
        if (s !== '') oneHot(w, f.name, labels, CHECK_STATES, s);
      } else if (f.column === COL.check_code) {
        if (checkStatus(row) !== '') w.sample(f.name, braced, cell(row, COL.check_code) === undefined ? '0' : plain(row, COL.check_code));
      } else if (f.column === COL.check_duration) {
        if (cell(row, COL.check_duration) !== undefined) w.sample(f.name, braced, plain(row, f.column));
      } else {
        w.sample(f.name, braced, plain(row, f.column));
      }
      if (w.full()) yield w.take();
    }
  }
}
