// Micro-benchmark: ns per request+response head through the L7 engine's head handling (issue 10, design change 2),
// on the benchmark's own heads (wrk's GET, nginx's 200): today's string path (parser.ts parse, framing, Connection
// clean/rewrite, lower-cased names, serialise) vs the byte-level path (head-parse.ts into a HeadView, head-rewrite.ts
// on a HeadEdit, write into a Buffer), against the floor of finding both heads' ends and Content-Length.
// The study (../shared/perf/README.md §2, parse-micro.mjs) measured today's at 1,829 + 3,971 ns and the floor at 294.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/http-head-rewrite.js
// Single thread; ROUNDS=n (default 5) interleaved rounds, median and range of the per-round ratios, by benchmark.js
// (wall clock) and by this process's CPU time (the least of 20 batches: steadier when the machine is shared).

import Benchmark from 'benchmark';
import { requestFraming, responseFraming } from '../../core/http1/framing.js';
import { HeadEdit } from '../../core/http1/head-edit.js';
import { responseBody } from '../../core/http1/head-framing.js';
import { parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { rewriteRequest, rewriteResponse, type ProxyRewrite } from '../../core/http1/head-rewrite.js';
import { HeadView } from '../../core/http1/head-view.js';
import { parseRequestHead, parseResponseHead, serializeRequestHead, serializeResponseHead } from '../../core/http1/parser.js';
import { lowerNames } from '../../core/forward/header-rules.js';
import {
  cleanConnection,
  connFlags,
  requestConnValue,
  responseConnValue,
  withConnection,
} from '../../core/forward/l7-connection-mode.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };
// The heads of the study's L7 small scenario: wrk's request and nginx 1.22's answer with a 3-byte body.
const REQ = Buffer.from('GET /small HTTP/1.1\r\nHost: 127.0.0.1:19082\r\n\r\n', 'latin1');
const RES = Buffer.from(
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 03 Dec 2026 04:55:11 GMT\r\nContent-Type: text/plain\r\n' +
    'Content-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n',
  'latin1',
);
const CRLF2 = Buffer.from('\r\n\r\n');
const CL = Buffer.from('\r\ncontent-length:');

let sink = 0;

/** The floor: both heads' ends and the response's Content-Length found, nothing checked or rewritten. */
function floor(): void {
  const e = REQ.indexOf(CRLF2);
  const f = RES.indexOf(CRLF2);
  // A case-folded search would cost the same order: one native scan.
  const c = RES.indexOf(CL);
  sink += e + f + c;
}

/** Today: l7-session.ts's steps on wrk's GET and nginx's 200 in keep-alive mode. */
function today(): void {
  const r = parseRequestHead(REQ, LIMITS);
  if (r.kind !== 'ok') throw new Error('request');
  const req = r.head;
  requestFraming(req);
  const reqFlags = connFlags(req.headers);
  const outReq = serializeRequestHead({
    ...req,
    headers: withConnection(lowerNames(cleanConnection(req.headers)), requestConnValue(false, req.version), reqFlags.upgrade),
  });
  const p = parseResponseHead(RES, LIMITS);
  if (p.kind !== 'ok') throw new Error('response');
  const res = p.head;
  responseFraming(res, req.method);
  const resFlags = connFlags(res.headers);
  const headers = withConnection(lowerNames(cleanConnection(res.headers)), responseConnValue(false, res.version, req.version), resFlags.upgrade);
  const outRes = serializeResponseHead({ ...res, headers });
  sink += outReq.length + outRes.length;
}

const NO_RULES: ProxyRewrite = {
  options: {
    redispatch: false,
    allbackups: false,
    dontlognull: false,
    tcplog: false,
    httplog: false,
    httpServerClose: false,
    httpKeepAlive: false,
    httpClose: false,
  },
};
const reqView = new HeadView();
const resView = new HeadView();
const edit = new HeadEdit();
const out = Buffer.allocUnsafe(16384);
const REQUEST_REWRITE = { frontend: NO_RULES, backend: NO_RULES, ruleContext: {}, clientAddress: '127.0.0.1', localAddress: undefined, serverClose: false };
const RESPONSE_REWRITE = { frontend: NO_RULES, backend: NO_RULES, ruleContext: {}, clientClose: false, requestVersion: '1.1' as const };

/** Byte-level: the same decisions, both heads written into one Buffer (as the engine writes them). */
function bytes(): void {
  if (parseRequest(REQ, 0, REQ.length, reqView, LIMITS) <= 0) throw new Error('request');
  edit.begin(reqView);
  rewriteRequest(edit, reqView, REQUEST_REWRITE);
  const a = edit.write(out, 0);
  if (parseResponse(RES, 0, RES.length, resView, LIMITS) <= 0) throw new Error('response');
  responseBody(resView, reqView.method);
  edit.begin(resView);
  rewriteResponse(edit, resView, RESPONSE_REWRITE);
  const b = edit.write(out, a);
  sink += a + b;
}

// Both paths must write the same heads, or the figures compare different work.
bytes();
const written = out.toString('latin1', 0, 200);
const expected = (() => {
  const r = parseRequestHead(REQ, LIMITS);
  const p = parseResponseHead(RES, LIMITS);
  if (r.kind !== 'ok' || p.kind !== 'ok') throw new Error('parse');
  const a = serializeRequestHead({ ...r.head, headers: lowerNames(cleanConnection(r.head.headers)) });
  const b = serializeResponseHead({ ...p.head, headers: lowerNames(cleanConnection(p.head.headers)) });
  return Buffer.concat([a, b]).toString('latin1');
})();
if (!written.startsWith(expected)) throw new Error(`byte path wrote ${JSON.stringify(written)}`);

function measure(name: string, fn: () => void): number {
  const bench = new Benchmark(name, fn, { maxTime: 0.5, minSamples: 10 });
  bench.run({ async: false });
  if (bench.error !== undefined) throw bench.error;
  return 1e9 / (bench.hz ?? 1);
}

/**
 * ns of this process's CPU per call: the least over `batches` batches of `calls` calls. On a shared machine the wall
 * clock counts the time other processes hold the CPU; process CPU time does not, and the least batch is the one least
 * disturbed by cache and frequency noise.
 */
function cpuNs(fn: () => void, batches = 20, calls = 20_000): number {
  let best = Number.POSITIVE_INFINITY;
  for (let b = 0; b < batches; b++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / calls);
  }
  return best;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const range = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const FNS = { floor, today, bytes } as const;
const figures = { floor: [] as number[], today: [] as number[], bytes: [] as number[] };
const cpu = { floor: [] as number[], today: [] as number[], bytes: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, order rotated per round: on a shared machine the load drifts between measurements.
  const order = (['floor', 'today', 'bytes'] as const).map((_, k, all) => all[(k + round) % all.length] ?? 'floor');
  for (const name of order) {
    figures[name].push(measure(name, FNS[name]));
    cpu[name].push(cpuNs(FNS[name]));
  }
}
const overFloor = figures.bytes.map((b, i) => b / (figures.floor[i] ?? Number.NaN));
const speedup = figures.today.map((t, i) => t / (figures.bytes[i] ?? Number.NaN));
const cpuOverFloor = cpu.bytes.map((b, i) => b / (cpu.floor[i] ?? Number.NaN));
const cpuSpeedup = cpu.today.map((t, i) => t / (cpu.bytes[i] ?? Number.NaN));
console.log(`Node ${process.version}; ${ROUNDS} interleaved rounds; ns per request+response head (median of rounds)`);
console.log(`${''.padEnd(40)} ${'wall'.padStart(7)} ${'cpu'.padStart(7)}`);
for (const [name, label] of [['floor', 'floor (both ends + Content-Length)'], ['today', 'today (parser.ts + serialise)'], ['bytes', 'byte-level (head-parse + head-edit)']] as const) {
  console.log(`${label.padEnd(40)} ${median(figures[name]).toFixed(0).padStart(7)} ${median(cpu[name]).toFixed(0).padStart(7)}`);
}
console.log(`wall: byte-level / floor ${median(overFloor).toFixed(2)} (${range(overFloor)}); today / byte-level ${median(speedup).toFixed(2)} (${range(speedup)})`);
console.log(`cpu:  byte-level / floor ${median(cpuOverFloor).toFixed(2)} (${range(cpuOverFloor)}); today / byte-level ${median(cpuSpeedup).toFixed(2)} (${range(cpuSpeedup)})`);
console.log(`(sink ${sink & 0xff})`);
