// A traffic log line written as bytes (CompiledLogLine.write, core/log/line-bytes.ts: the forwarders' path into their
// log ring) is byte for byte the UTF-8 of the line build() makes (the string path the haproxy comparisons of
// tests/regressions/issue-0013-traffic-log-*.test.ts were written against): the named formats and a log-format with
// every variable and option, on records with hostile request lines and captures, non-ASCII names, negative timers,
// huge counters; a line cut at its limit is a prefix of the whole. And the ring's in-place records (reserve/commit)
// come out in order across wrap-arounds, a forgotten reservation leaves no trace, and a full ring is counted.

import assert from 'node:assert/strict';
import test from 'node:test';
import { parseLogFormat } from '../../core/acl/log-format.js';
import { CompiledLogLine } from '../../core/log/log-line.js';
import { LogRecord } from '../../core/log/log-record.js';
import type { LineWorld } from '../../core/log/log-vars.js';
import { ringTrafficLog } from '../../core/log/ring-traffic-log.js';
import { allocateLogRings, LogRingConsumer, LogRingProducer } from '../../core/shared/log-ring.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { topologyOf } from '../../core/shared/topology.js';
import { CLF_FORMAT, HTTPLOG_FORMAT, TCPLOG_FORMAT } from '../../config/defaults.js';
import { load, validConfig } from '../support/config-load.js';
import { prng } from '../support/prng.js';

const WORLD: LineWorld = {
  frontends: ['front', 'fé-ünï'],
  backends: [{ name: 'be', servers: [{ name: 's1' }, { name: 'sérveur' }] }, { name: 'bé', servers: [{ name: 'x' }] }],
  state: undefined,
};

/** Every variable a line may print, plain and with each option: what write() must print as build() does. */
const EVERY_VAR = [
  '%ci:%cp %fi:%fp %f %ft %b %s %bi:%bp %si:%sp [%t] [%tr] [%trg] [%trl] %T %ms %Ts %Th/%Ti/%TR/%Tq/%Tw/%Tc/%Tr/%Ta/%Tt',
  '%ST %B %U %CC %CS %ts %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %hrl %hsl %r %HM %HU %HP %HPO %HQ %HV %ID %pid %lc',
  '%{+Q}r %{+E}r %{+Q,+E}r %{+Q}ci %{+X}cp %{+X}Ts %{+Q}CC %{+Q}ID %{+Q}hrl %{+Q}t %{+Q}tr %{+E}HU "lit#é" %{+Q}o %b %{-Q}s',
].join(' ');

function compile(text: string): CompiledLogLine {
  const parsed = parseLogFormat(text, { readFile: () => '' }, undefined, 'line');
  if (!parsed.ok) throw new Error(parsed.message);
  return new CompiledLogLine(parsed.spec, WORLD);
}

const HOSTILE = ['GET / HTTP/1.1', 'GET /a?b=c#d HTTP/1.0', 'POST /"quoted" HTTP/1.1', 'GET /\x01\x7f\xff\xe9 HTTP/1.1', 'X', 'GET  HTTP/1.1', ''];

/** A record with values drawn by `rand`: every field a line can print, edge values included. */
function record(rand: () => number): LogRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const rec = new LogRecord();
  const big = pick([0, 1, 9, 10, 99, 100, 12345, 2 ** 31, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]);
  Object.assign(rec, {
    http: rand() < 0.8,
    frontend: pick([0, 1]),
    backend: pick([-1, 0, 1]),
    server: pick([-1, 0, 1]),
    clientAddress: pick(['127.0.0.1', '::1', 'unix', '-']),
    clientPort: pick([0, 1, 65535, 40000]),
    frontendAddress: '127.0.0.1',
    frontendPort: 8080,
    serverAddress: pick(['', '10.0.0.1']),
    serverPort: 3000,
    acceptDate: 1_764_780_000_000 + Math.floor(rand() * 1e9) + pick([0, 0.25, 0.999]),
    requestDate: 1_764_780_000_000 + Math.floor(rand() * 1e9),
    tAccept: 1, tIdleFrom: pick([0, 1, 5]), tRequest: pick([0, 2, 7]), tHead: pick([0, 3, 9]), tQueued: pick([0, 4]),
    tSlot: pick([0, 4, 6]), tConnected: pick([0, 5, 8]), tResponse: pick([0, 6, 10]), tEnd: pick([0, 7, 1e7]),
    status: pick([-1, 200, 503]),
    bytesOut: big,
    bytesIn: pick([0, 78, big]),
    termination: pick(['--', 'CD', 'SD', 'PR']),
    cookieState: pick(['--', 'NI']),
    retries: pick([0, 3]),
    redispatched: rand() < 0.2,
    serverQueue: pick([0, 2]),
    backendQueue: pick([0, 1]),
    requestLine: rand() < 0.15 ? undefined : pick(HOSTILE),
    cookieRequest: pick([undefined, 'SID=a"b#c', 'x=ü']),
    cookieResponse: pick([undefined, 'SID=1']),
    uniqueId: pick([undefined, '-', 'id-1']),
    serverConns: pick([0, 12]),
    lineCount: pick([0, 99]),
  });
  rec.requestCaptures = [pick([undefined, 'example.com', 'a|b{c}"#\x02', 'ü']), pick([undefined, ''])];
  rec.responseCaptures = [pick([undefined, 'node', '\xff'])];
  return rec;
}

function written(line: CompiledLogLine, rec: LogRecord, limit = 65536): Buffer {
  const out = Buffer.alloc(limit + 8, 0xaa);
  const end = line.write(rec, out, 4, 4 + limit);
  assert.ok(out.subarray(4 + limit).every((b) => b === 0xaa), 'nothing written past the limit');
  return out.subarray(4, end);
}

test('write() gives the UTF-8 bytes of build() for the named formats and every variable with its options', () => {
  const rand = prng(13);
  const lines = [TCPLOG_FORMAT, HTTPLOG_FORMAT, CLF_FORMAT, EVERY_VAR, '', 'text only', '%hr  %hs %ST'].map(compile);
  for (let i = 0; i < 3000; i++) {
    const rec = record(rand);
    for (const line of lines) {
      const want = Buffer.from(line.build(rec), 'utf8');
      assert.deepEqual(written(line, rec), want, `record ${i}: ${line.build(rec)}`);
    }
  }
});

test('a line cut at its limit is a prefix of the whole line, for every limit (never past it)', () => {
  const rand = prng(7);
  const line = compile(HTTPLOG_FORMAT);
  for (let i = 0; i < 30; i++) {
    const rec = record(rand);
    rec.frontend = 1;
    rec.backend = 0;
    rec.server = 0;
    rec.requestLine = 'GET /\x01"x" HTTP/1.1';
    rec.requestCaptures = ['é€|x'];
    const whole = Buffer.from(line.build(rec), 'utf8');
    for (let limit = 0; limit <= whole.length; limit++) {
      assert.deepEqual(written(line, rec, limit), whole.subarray(0, limit), `limit ${limit}`);
    }
  }
});

test('records written in place (reserve/commit) come out whole and in order across wrap-arounds', () => {
  const mem = allocateLogRings(1, 64 * 1024);
  const p = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
  const c = new LogRingConsumer(mem);
  const got: string[] = [];
  const drain = (): number => c.drain((_f, _s, bytes, offset, length) => void got.push(bytes.toString('utf8', offset, offset + length)));
  const sent: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const text = `line ${i} é ${'y'.repeat(i % 301)}`;
    let at = p.reserve(4096);
    if (at < 0) {
      drain();
      at = p.reserve(4096);
    }
    assert.ok(at >= 0);
    // Every 7th reservation is forgotten (its writer threw): nothing of it may show.
    if (i % 7 === 3) {
      p.bytes.write('GARBAGE', at, 'utf8');
      continue;
    }
    p.commit(i % 2, 6, p.bytes.write(text, at, 'utf8'));
    sent.push(text);
  }
  drain();
  assert.deepEqual(got, sent);
});

test('the TrafficLog writes lines in place, and counts a line the full ring refuses in logDrops', async () => {
  const config = validConfig(await load(`
frontend logged
    mode http
    bind 127.0.0.1:8001
    log 127.0.0.1:9 local0
    default_backend be
backend be
    mode http
    server s1 127.0.0.1:1
`));
  const state = SharedState.allocate(topologyOf(config, 1).counts);
  // Room for a few hundred lines.
  const mem = allocateLogRings(1, 64 * 1024);
  const log = ringTrafficLog(config, mem, 0, state.thread(0));
  const line = compile(HTTPLOG_FORMAT);
  const rec = record(prng(3));
  for (let i = 0; i < 1000; i++) log.emitRecord(0, 'info', line, rec);
  const got: string[] = [];
  new LogRingConsumer(mem).drain((_f, severity, bytes, offset, length) => {
    assert.equal(severity, 6);
    got.push(bytes.toString('utf8', offset, offset + length));
  });
  // Every byte of the ring used: in place while the longest line fits, then each line in exactly its room.
  assert.ok(got.length > 300 && got.length < 1000, `kept ${got.length}`);
  assert.ok(got.every((g) => g === line.build(rec)));
  assert.equal(state.thread(0).load('logDrops'), 1000 - got.length);
});

test('a ring smaller than the longest line still takes lines written in place (each in exactly its room)', async () => {
  const config = validConfig(await load(`
frontend logged
    mode http
    bind 127.0.0.1:8001
    log 127.0.0.1:9 local0
    default_backend be
backend be
    mode http
    server s1 127.0.0.1:1
`));
  const state = SharedState.allocate(topologyOf(config, 1).counts);
  const mem = allocateLogRings(1, 4096);
  const log = ringTrafficLog(config, mem, 0, state.thread(0));
  const line = compile(TCPLOG_FORMAT);
  const rec = record(prng(5));
  const consumer = new LogRingConsumer(mem);
  let got = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 5; i++) log.emitRecord(0, 'info', line, rec);
    consumer.drain((_f, _s, bytes, offset, length) => {
      assert.equal(bytes.toString('utf8', offset, offset + length), line.build(rec));
      got++;
    });
  }
  assert.equal(got, 250);
  assert.equal(state.thread(0).load('logDrops'), 0);
});
