// The runtime API's process-level read commands: `show errors` (haproxy's answer with no capture: orcalb keeps no
// copy of invalid requests or responses yet, so it always reports 0 events, stamped as 2.6.12 stamps it), and
// orcalb's own `show threads` (per forwarder: live and total connections, CPU time; 2.6.12's answer is a debugging
// dump of its scheduler, which orcalb has no equivalent of) and `show dolphindb` (each `balance dolphindb-load`
// node's score from its last getPerf() reading and the connections placed on it since). Figures from the shared
// buffer (core/stats/collect-extra.ts). Stats thread.

import { DDB_KIND_NAMES } from '../dolphindb/session-framing.js';
import { LOAD_SCORE } from '../dolphindb/load-score.js';
import { collectExtra } from '../stats/collect-extra.js';
import type { CliCommand, CliContext } from './cli-command.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** HAProxy's `[03/Dec/2026:18:31:02.991]` (local time). Pure. */
export function captureDate(d: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(d.getDate())}/${MONTHS[d.getMonth()] ?? ''}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function showThreads(ctx: CliContext): string {
  const extra = collectExtra(ctx.config, ctx.state, ctx.topology);
  let out = '# thread conns total cpu_user_s cpu_sys_s\n';
  for (const t of extra.threads) {
    const cpu = (s: number | undefined): string => (s === undefined ? '-' : s.toFixed(3));
    out += `${t.thread + 1} ${t.currentConnections} ${t.connectionsTotal} ${cpu(t.cpuUserSeconds)} ${cpu(t.cpuSystemSeconds)}\n`;
  }
  return out;
}

function scoreText(stored: number): string {
  if (stored === LOAD_SCORE.noReading) return 'none';
  if (stored === LOAD_SCORE.failed) return 'failed';
  return (stored / 1000).toFixed(3);
}

async function showDolphinDb(ctx: CliContext, args: readonly string[]): Promise<string> {
  const extra = collectExtra(ctx.config, ctx.state, ctx.topology);
  const want = args[0];
  if (want !== undefined && !ctx.config.backends.some((b) => b.name === want)) return "Can't find backend.\n";
  let out = '# backend/server score placed_since_reading\n';
  for (const n of extra.dolphindbNodes) {
    if (want !== undefined && n.proxy !== want) continue;
    out += `${n.proxy}/${n.server} ${scoreText(n.loadScore)} ${n.placedSinceReading}\n`;
  }
  // option dolphindb-inspect (issue 16): requests per kind as ok/error, and the mean latency, per node.
  const inspected = (extra.dolphindbRequests ?? []).filter((n) => want === undefined || n.proxy === want);
  if (inspected.length > 0) {
    out += `# backend/server ${DDB_KIND_NAMES.join(' ')} (ok/error) mean_latency_ms\n`;
    for (const n of inspected) {
      const calls = n.buckets.reduce((a, b) => a + b, 0);
      const mean = calls === 0 ? '-' : ((n.sumSeconds / calls) * 1000).toFixed(3);
      out += `${n.proxy}/${n.node} ${n.counts.map(([ok, err]) => `${ok}/${err}`).join(' ')} ${mean}\n`;
    }
  }
  // dolphindb-discovery (issue 16): the health thread runs it and answers with its lines (slots, nodes left out).
  if (ctx.config.backends.some((b) => b.options.dolphindbDiscovery !== undefined && (want === undefined || b.name === want))) {
    try {
      const answer = await ctx.relay({ kind: 'discovery-status', ...(want === undefined ? {} : { backend: want }) });
      const lines = Array.isArray(answer.data) ? answer.data.filter((l): l is string => typeof l === 'string') : [];
      out += `# dolphindb-discovery\n${lines.map((l) => `${l}\n`).join('')}`;
    } catch (e) {
      out += `# dolphindb-discovery: no answer from the health thread (${e instanceof Error ? e.message : String(e)})\n`;
    }
  }
  return out;
}

export const RUNTIME_COMMANDS: readonly CliCommand[] = [
  {
    words: ['show', 'errors'],
    level: 'operator',
    help: { usage: 'show errors [<px>] [request|response]', text: 'report last request and/or response errors for each proxy' },
    run: () => `Total events captured on [${captureDate(new Date())}] : 0\n`,
  },
  {
    words: ['show', 'threads'],
    level: 'user',
    help: { usage: 'show threads', text: 'show each forwarder: connections now and in all, CPU time' },
    run: showThreads,
  },
  {
    words: ['show', 'dolphindb'],
    level: 'user',
    help: { usage: 'show dolphindb [<backend>]', text: 'show each dolphindb-load node: load score, placements since; dolphindb-inspect nodes: requests, latency; dolphindb-discovery slots' },
    run: showDolphinDb,
  },
];
