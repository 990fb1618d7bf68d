// The runtime API's `show info [typed|json]` and `show stat [typed|json|up|no-maint] [{proxy|-1} {type|-1}
// {sid|-1}]`, as haproxy 2.6.12 answers them: `show info` prints every field as `Name: value`; `show stat` is the
// stats page's CSV (core/stats/csv.ts, the `# pxname,…` header byte for byte), typed lines or the typed JSON. The
// three filter words count only right after `show stat` and only all three together (2.6.12: `show stat be` lists
// everything, `show stat up be 2 -1` is "No such proxy."). Stats thread.

import { collectInfo } from '../stats/collect-info.js';
import { collectRows, statProxies, type StatProxy } from '../stats/collect-rows.js';
import { renderCsv } from '../stats/csv.js';
import { COL, INFO, INFO_FIELDS, StatType, type InfoRow, type StatRow, type StatValue } from '../stats/stat-columns.js';
import { renderStatsJson } from '../stats/stats-json.js';
import { renderInfoJson, renderInfoTyped, renderStatTyped } from '../stats/typed-format.js';
import type { CliCommand, CliContext } from './cli-command.js';

/**
 * Info fields whose subject orcalb does not have (TLS, pipes, compression, peers, resolvers, splicing, rate limits
 * unset, debug commands): 0 is the true figure, as haproxy prints for a process that uses none of them.
 */
const ZERO_BY_ABSENCE: readonly (typeof INFO_FIELDS)[number][] = [
  'PoolFailed', 'MaxSslConns', 'CurrSslConns', 'CumSslConns', 'Maxpipes', 'PipesUsed', 'PipesFree', 'ConnRateLimit',
  'SessRateLimit', 'SslRate', 'SslRateLimit', 'MaxSslRate', 'SslFrontendKeyRate', 'SslFrontendMaxKeyRate',
  'SslFrontendSessionReuse_pct', 'SslBackendKeyRate', 'SslBackendMaxKeyRate', 'SslCacheLookups', 'SslCacheMisses',
  'CompressBpsIn', 'CompressBpsOut', 'CompressBpsRateLim', 'ActivePeers', 'ConnectedPeers', 'BusyPolling',
  'FailedResolutions', 'TotalSplicdedBytesOut', 'DebugCommandsIssued', 'CumRecvLogs', 'Tainted',
];

/** The info row as the CLI shows it: orcalb's figures, 0 where the subject does not exist in orcalb. */
export function cliInfo(ctx: CliContext): InfoRow {
  const info = [...collectInfo({ config: ctx.config, state: ctx.state, version: ctx.version, startedMs: ctx.startedMs, threads: ctx.threads }, Date.now())];
  for (const f of ZERO_BY_ABSENCE) info[INFO[f]] ??= 0;
  return info;
}

function showInfo(ctx: CliContext, args: readonly string[]): string {
  const info = cliInfo(ctx);
  if (args.includes('json')) return renderInfoJson(info);
  if (args.includes('typed')) return renderInfoTyped(info);
  // Every key, as haproxy prints them; a figure orcalb does not keep is left empty rather than invented.
  let out = '';
  INFO_FIELDS.forEach((name, i) => {
    const v: StatValue = info[i];
    out += `${name}: ${v === undefined ? '' : String(v)}\n`;
  });
  return out;
}

/** `show stat`'s filter: proxy id (-1 any), type bits (1 frontend, 2 backend, 4 server; -1 all), server id (-1 any). */
interface StatFilter {
  readonly iid: number;
  readonly types: number;
  readonly sid: number;
}

const TYPE_BIT: Readonly<Record<number, number>> = { [StatType.FRONTEND]: 1, [StatType.BACKEND]: 2, [StatType.SERVER]: 4, [StatType.LISTENER]: 8 };

function parseFilter(proxies: readonly StatProxy[], args: readonly string[]): StatFilter | 'no-proxy' | undefined {
  const [px, type, sid] = args;
  if (px === undefined || type === undefined || sid === undefined) return undefined;
  let iid = -1;
  if (px !== '-1') {
    const byName = proxies.find((p) => p.name === px);
    iid = byName?.iid ?? (/^\d+$/.test(px) ? Number(px) : 0);
    if (!proxies.some((p) => p.iid === iid)) return 'no-proxy';
  }
  const t = Number.parseInt(type, 10);
  const s = Number.parseInt(sid, 10);
  return { iid, types: Number.isNaN(t) ? 0 : t, sid: Number.isNaN(s) ? -1 : s };
}

function keep(row: StatRow, f: StatFilter | undefined, up: boolean, noMaint: boolean): boolean {
  const type = Number(row.values[COL.type] ?? 0);
  if (f !== undefined) {
    if (f.iid !== -1 && row.values[COL.iid] !== f.iid) return false;
    if (f.types !== -1 && ((TYPE_BIT[type] ?? 0) & f.types) === 0) return false;
    if (f.sid !== -1 && type === StatType.SERVER && row.values[COL.sid] !== f.sid) return false;
  }
  if (type !== StatType.SERVER) return true;
  const status = String(row.values[COL.status] ?? '');
  if (up && !status.startsWith('UP')) return false;
  if (noMaint && status.includes('MAINT')) return false;
  return true;
}

function showStat(ctx: CliContext, args: readonly string[]): string {
  const proxies = statProxies(ctx.config);
  const filter = parseFilter(proxies, args);
  if (filter === 'no-proxy') return 'No such proxy.\n';
  const rows = collectRows(ctx, proxies, Math.floor(Date.now() / 1000)).filter((r) =>
    keep(r, filter, args.includes('up'), args.includes('no-maint')),
  );
  if (args.includes('json')) return renderStatsJson(rows);
  if (args.includes('typed')) return renderStatTyped(rows);
  return renderCsv(rows);
}

export const STAT_COMMANDS: readonly CliCommand[] = [
  {
    words: ['show', 'info'],
    level: 'user',
    help: { usage: 'show info [desc|json|typed|float]*', text: 'report information about the running process' },
    run: showInfo,
  },
  {
    words: ['show', 'stat'],
    level: 'user',
    help: { usage: 'show stat [desc|json|no-maint|typed|up]*', text: 'report counters for each proxy and server' },
    run: showStat,
  },
];
