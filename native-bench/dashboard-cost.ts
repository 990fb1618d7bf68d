// What the stats page and the live dashboard cost the proxy (issue 12: "the L7 keep-alive case with a stats page
// polled every second and 20 dashboard clients connected costs orcalb ≤ 3 % more CPU per request"): one orcalb with
// an HTTP frontend and a `listen stats` with `stats dashboard`; wrk keep-alive rounds alternate A (nothing on the
// stats port) and B (the page polled every second + N dashboard WebSocket clients, or with --churn N clients that
// connect and drop in a loop: each leaves after its first frame, or after --hold MS, and comes back at once), ABBA order; CPU of orcalb's whole process (every thread, the stats thread included)
// per request from /proc, paired round by round. Bench runner main thread.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/dashboard-cost.js [--rounds 6]
//      [--duration 5] [--clients 20] [--conns 64] [--churn [--hold MS]]

import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { startBackends } from './backends/backend-launcher.js';
import { planCpuLayout } from './cpu-layout.js';
import { runWrk } from './load/wrk-run.js';
import { threadCpuUs, treeCpuUs } from './process-cpu.js';
import { ProcessGroup } from './process-group.js';
import { haproxyConfigText } from './subjects/haproxy-config.js';
import { freeTcpPort } from '../tests/support/haproxy-process.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '5' },
    clients: { type: 'string', default: '20' },
    conns: { type: 'string', default: '64' },
    churn: { type: 'boolean', default: false },
    hold: { type: 'string', default: '0' },
    main: { type: 'string', default: resolve('dist/workers/main.js') },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION_S = Number(args.duration);
const CLIENTS = Number(args.clients);
const CONNS = Number(args.conns);
const HOLD_MS = Number(args.hold);

/** The side load of a B round: the stats page polled every second, and the dashboard clients. */
function sideLoad(statsPort: number): { stop(): Promise<{ frames: number; polls: number; joins: number }> } {
  const url = `ws://127.0.0.1:${statsPort}/stats;dashboard/ws`;
  let frames = 0;
  let polls = 0;
  let joins = 0;
  let stopping = false;
  const sockets = new Set<WebSocket>();
  const open = (): void => {
    if (stopping) return;
    const ws = new WebSocket(url);
    sockets.add(ws);
    joins++;
    let first = true;
    ws.on('message', () => {
      frames++;
      // --churn: each client leaves after its first frame (or --hold ms later) and a new one takes its place.
      if (!args.churn || !first) return;
      first = false;
      if (HOLD_MS > 0) setTimeout(() => ws.terminate(), HOLD_MS);
      else ws.terminate();
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      sockets.delete(ws);
      if (args.churn) setImmediate(open);
    });
  };
  for (let i = 0; i < CLIENTS; i++) open();
  const poll = setInterval(() => {
    get({ host: '127.0.0.1', port: statsPort, path: '/stats' }, (res) => {
      res.resume();
      res.on('end', () => polls++);
    }).on('error', () => {});
  }, 1000);
  return {
    async stop() {
      stopping = true;
      clearInterval(poll);
      for (const ws of sockets) ws.terminate();
      return { frames, polls, joins };
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const group = new ProcessGroup();
const tmp = mkdtempSync(join(tmpdir(), 'orcalb-dash-cost-'));
try {
  const layout = planCpuLayout();
  const backends = await startBackends(group, 'http', layout.load);
  const port = await freeTcpPort();
  const statsPort = await freeTcpPort();
  const cfg = join(tmp, 'orcalb.cfg');
  writeFileSync(cfg, `${haproxyConfigText({ mode: 'http', servers: backends.ports, threads: 1, maxconn: 4096 }, port)}
listen stats
    bind 127.0.0.1:${statsPort}
    mode http
    stats enable
    stats uri /stats
    stats refresh 1s
    stats dashboard
`);
  const lb = group.spawn({ name: 'orcalb', command: process.execPath, args: [args.main, '-f', cfg, '--threads', '1'], cpus: layout.proxy, nofile: 65_536 });
  await lb.waitFor(/orcalb ready/, 20_000);
  const pid = lb.pid;
  const perReq: { A: number[]; B: number[] } = { A: [], B: [] };
  const statsShare: { A: number[]; B: number[] } = { A: [], B: [] };
  console.log(`orcalb ${args.main}, wrk c=${CONNS} ${DURATION_S}s, B = stats page every 1 s + ${CLIENTS} dashboard clients${args.churn ? ` churning (hold ${HOLD_MS} ms)` : ''}`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
      const side = kind === 'B' ? sideLoad(statsPort) : undefined;
      if (side !== undefined) await new Promise((done) => setTimeout(done, 1500)); // clients connected before counting
      const before = treeCpuUs(pid);
      const statsBefore = threadCpuUs(pid, 'stats');
      const rep = await runWrk(group, { port, conns: CONNS, durationS: DURATION_S, threads: 2, close: false, cpus: layout.load });
      const cpu = treeCpuUs(pid) - before;
      const statsCpu = threadCpuUs(pid, 'stats') - statsBefore;
      statsShare[kind].push(statsCpu / cpu);
      const sideFigures = await side?.stop();
      const us = cpu / rep.requests;
      perReq[kind].push(us);
      console.log(`round ${r + 1} ${kind}: ${rep.reqPerS.toFixed(0)} req/s, ${us.toFixed(2)} µs CPU/req, stats thread ${(statsCpu / 1000 / DURATION_S).toFixed(1)} ms/s = ${(100 * statsCpu / cpu).toFixed(2)} % of orcalb's CPU` +
        (sideFigures === undefined ? '' : ` (frames ${sideFigures.frames}, polls ${sideFigures.polls}, joins ${sideFigures.joins})`));
    }
  }
  const ratios = perReq.B.map((b, i) => b / perReq.A[i]!);
  console.log(`µs CPU/req: A median ${median(perReq.A).toFixed(2)} (${Math.min(...perReq.A).toFixed(2)}–${Math.max(...perReq.A).toFixed(2)}), ` +
    `B median ${median(perReq.B).toFixed(2)} (${Math.min(...perReq.B).toFixed(2)}–${Math.max(...perReq.B).toFixed(2)})`);
  const pct = (xs: number[]): string => `${(100 * median(xs)).toFixed(2)} % (${(100 * Math.min(...xs)).toFixed(2)}–${(100 * Math.max(...xs)).toFixed(2)})`;
  console.log(`stats thread share of orcalb's CPU: A ${pct(statsShare.A)}, B ${pct(statsShare.B)}`);
  console.log(`B/A per round: median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`);
  await lb.stop('SIGUSR1', 5000);
  await backends.stop();
} finally {
  await group.stopAll();
  rmSync(tmp, { recursive: true, force: true });
}
