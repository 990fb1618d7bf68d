// Micro-benchmark: parsing one HTTP/1.1 request head, orcalb's parseRequestHead vs Node's llhttp (the parser inside
// node:http), on the forwarder's hot path (issue 3: "choose the parser by measurement"). Single thread.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/http-head-parse.js
//
// Method. node:http drives llhttp through the HTTPParser class of the internal module `_http_common`: one parser per
// connection, `execute(buffer)` per read, and a kOnHeadersComplete callback that receives the method, URL and a flat
// [name, value, …] array already turned into JS strings. Calling that class directly measures exactly the head parse
// node:http does (C++ parse + string creation + the callback), without sockets, streams, IncomingMessage or
// ServerResponse, which would swamp the difference. Both sides parse the same pipelined buffer of 64 identical
// requests per op, llhttp with one parser kept across them (as node:http keeps it on a keep-alive connection) and
// ours called once per request at its offset; ns/op is divided by 64. (A WebSocket upgrade is left out: llhttp stops
// at an upgrade, so a pipeline of them would measure one parse.) The POST carries Content-Length: 0 for the same
// reason: a body would make llhttp read the next heads as body bytes. Both produce method, target, version and all
// header names/values as strings; ours also validates Content-Length/Transfer-Encoding/Host as HAProxy does.
// It first prints how often each parser agrees with haproxy over tests/compat/http-malformed-corpus.ts: speed at
// parity would not be enough if llhttp refused or forwarded other requests than haproxy does (it does: 23 of 78).

import Benchmark from 'benchmark';
import { createRequire } from 'node:module';
import { ChunkedScanner } from '../../core/http1/chunked.js';
import { parseRequestHead } from '../../core/http1/parser.js';
import { requestFraming } from '../../core/http1/framing.js';
import { HTTP_CORPUS } from '../../tests/compat/http-malformed-corpus.js';

const PIPELINE = 64;

const REQUESTS: Record<string, string> = {
  'tiny GET': 'GET / HTTP/1.1\r\nHost: node1:8848\r\n\r\n',
  'DolphinDB JSON POST': [
    'POST / HTTP/1.1',
    'Host: ddb.example:8848',
    'Content-Type: application/json',
    'Content-Length: 0',
    'Connection: keep-alive',
    'User-Agent: dolphindb-python/3.0',
    '',
    '',
  ].join('\r\n'),
  'browser GET (12 headers)': [
    'GET /static/js/app.4f1c2d.js?v=3 HTTP/1.1',
    'Host: console.ddb.example:8848',
    'Connection: keep-alive',
    'sec-ch-ua: "Chromium";v="124", "Not-A.Brand";v="99"',
    'sec-ch-ua-mobile: ?0',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    'sec-ch-ua-platform: "Linux"',
    'Accept: */*',
    'Sec-Fetch-Site: same-origin',
    'Sec-Fetch-Mode: no-cors',
    'Referer: http://console.ddb.example:8848/',
    'Accept-Encoding: gzip, deflate, br',
    'Accept-Language: en-US,en;q=0.9',
    '',
    '',
  ].join('\r\n'),
  'keep-alive GET with cookies': [
    'GET /api/v1/query?sql=select%20*%20from%20t HTTP/1.1',
    'Host: ddb.example:8848',
    'Accept: application/json',
    'Cookie: SERVERID=node2; session=6d1f0c2a9be44f7f8c3b; theme=dark',
    'X-Forwarded-For: 10.1.2.3',
    'Connection: keep-alive',
    '',
    '',
  ].join('\r\n'),
};

/** The slice of node's internal HTTPParser that node:http uses, checked at load time instead of trusted. */
interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  [key: number]: unknown;
}
interface LlhttpModule {
  readonly HTTPParser: {
    new (): LlhttpParser;
    readonly REQUEST: number;
    readonly kOnHeadersComplete: number;
    readonly kOnMessageComplete: number;
    readonly kOnBody: number;
    readonly kOnExecute: number;
  };
}

function loadLlhttp(): LlhttpModule {
  const mod: unknown = createRequire(import.meta.url)('_http_common');
  if (typeof mod !== 'object' || mod === null || !('HTTPParser' in mod) || typeof mod.HTTPParser !== 'function') {
    throw new Error('this Node has no _http_common.HTTPParser');
  }
  return mod as LlhttpModule;
}

const { HTTPParser } = loadLlhttp();
let sink = 0;

function llhttpParser(): LlhttpParser {
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST, {});
  // Same callback shape as node:http's parserOnHeadersComplete: read what it reads.
  p[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[], method: number, url: string) => {
    sink += headers.length + method + url.length;
    return 0;
  };
  p[HTTPParser.kOnMessageComplete] = () => {};
  p[HTTPParser.kOnBody] = () => {};
  p[HTTPParser.kOnExecute] = () => {};
  return p;
}

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };

// Speed is half of the choice; the other half is agreeing with haproxy. Count, over the malformed-request corpus
// (whose verdicts are checked against haproxy 2.6.12 by tests/compat/http-malformed.test.ts), how often each parser
// would refuse exactly when haproxy refuses. llhttp runs as node:http runs it: strict, 16 KiB of headers.
function llhttpRefuses(raw: Buffer): boolean {
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST, {}, 16384, 0);
  let complete = false;
  p[HTTPParser.kOnHeadersComplete] = () => {
    complete = true;
    return 0;
  };
  p[HTTPParser.kOnMessageComplete] = () => {};
  p[HTTPParser.kOnBody] = () => {};
  p[HTTPParser.kOnExecute] = () => {};
  return p.execute(raw) instanceof Error || !complete;
}
function orcalbRefuses(raw: Buffer): boolean {
  const r = parseRequestHead(raw, LIMITS);
  if (r.kind !== 'ok') return true;
  const framing = requestFraming(r.head);
  if (framing.kind === 'error') return true;
  return framing.kind === 'chunked' && 'error' in new ChunkedScanner().push(raw.subarray(r.length));
}
const disagree: Record<'llhttp' | 'orcalb', string[]> = { llhttp: [], orcalb: [] };
for (const c of HTTP_CORPUS) {
  const raw = Buffer.from(c.raw, 'latin1');
  const refused = c.haproxy.verdict !== 'forwarded';
  if (llhttpRefuses(raw) !== refused) disagree.llhttp.push(`${c.name} (haproxy ${refused ? 'refuses' : 'forwards'})`);
  if (orcalbRefuses(raw) !== refused) disagree.orcalb.push(c.name);
}
for (const [name, list] of Object.entries(disagree)) {
  console.log(`${name}: agrees with haproxy on ${HTTP_CORPUS.length - list.length}/${HTTP_CORPUS.length} corpus cases`);
  for (const item of list) console.log(`  differs: ${item}`);
}

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);

/** Per case: the two parse loops, each parsing the 64-request pipeline once per call. */
interface Pair {
  readonly label: string;
  readonly llhttp: () => void;
  readonly orcalb: () => void;
}

const pairs: Pair[] = [];
for (const [label, text] of Object.entries(REQUESTS)) {
  const pipelined = Buffer.from(text.repeat(PIPELINE), 'latin1');
  // Sanity: both parsers see all 64 requests, or the figures compare different work.
  let seen = 0;
  for (let off = 0; off < pipelined.length; seen++) {
    const r = parseRequestHead(pipelined.subarray(off), LIMITS);
    if (r.kind !== 'ok') throw new Error(`${label}: ${JSON.stringify(r)}`);
    off += r.length;
  }
  const before = sink;
  const check = llhttpParser();
  check.execute(pipelined);
  if (seen !== PIPELINE || sink - before < PIPELINE) throw new Error(`${label}: a parser missed requests`);
  const ll = llhttpParser();
  pairs.push({
    label,
    llhttp: () => {
      const r = ll.execute(pipelined);
      if (r instanceof Error) throw r;
    },
    orcalb: () => {
      let off = 0;
      while (off < pipelined.length) {
        const r = parseRequestHead(pipelined.subarray(off), LIMITS);
        if (r.kind !== 'ok') throw new Error('parse failed');
        sink += r.head.headers.length;
        off += r.length;
      }
    },
  });
}

/** ns per head for one function, by one benchmark.js run of about `maxTime` seconds. */
function measure(name: string, fn: () => void): number {
  const bench = new Benchmark(name, fn, { maxTime: 0.5, minSamples: 10 });
  bench.run({ async: false });
  if (bench.error !== undefined) throw bench.error;
  return 1e9 / (bench.hz ?? 1) / PIPELINE;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

// Interleaved A/B rounds (the node-core compare.js idea): on a shared machine the load drifts, so each round measures
// both parsers back to back and the ratio is taken per round; the median and range of the ratios are reported.
const results = new Map<string, { ll: number[]; ours: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const pair of pairs) {
    const rec = results.get(pair.label) ?? { ll: [], ours: [] };
    results.set(pair.label, rec);
    const first = round % 2 === 0;
    const a = measure(pair.label, first ? pair.llhttp : pair.orcalb);
    const b = measure(pair.label, first ? pair.orcalb : pair.llhttp);
    rec.ll.push(first ? a : b);
    rec.ours.push(first ? b : a);
  }
}
console.log(`Node ${process.version}, llhttp ${process.versions['llhttp']}; ${ROUNDS} interleaved rounds; ns per head (median)`);
console.log(`${'case'.padEnd(30)} ${'llhttp'.padStart(8)} ${'orcalb'.padStart(8)}  orcalb/llhttp (min–max)`);
for (const [label, rec] of results) {
  const ratios = rec.ours.map((o, i) => o / (rec.ll[i] ?? Number.NaN));
  console.log(
    `${label.padEnd(30)} ${median(rec.ll).toFixed(0).padStart(8)} ${median(rec.ours).toFixed(0).padStart(8)}  ` +
      `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
console.log(`(sink ${sink & 0xff})`);
