// Micro-benchmark: building one traffic log line (core/log/log-line.ts) from a LogRecord, for the named formats
// (option tcplog, option httplog, option httplog clf) — the part of `option httplog`'s cost per request that is the
// line itself, apart from sending it (the TrafficLog's). Single thread, as one forwarder builds its lines.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/log-line.js

import Benchmark from 'benchmark';
import { parseLogFormat } from '../../core/acl/log-format.js';
import { CompiledLogLine } from '../../core/log/log-line.js';
import { LogRecord } from '../../core/log/log-record.js';
import { CLF_FORMAT, HTTPLOG_FORMAT, TCPLOG_FORMAT } from '../../config/defaults.js';
import { allocateLogRings, LogRingConsumer, LogRingProducer, MAX_RECORD_CHARS } from '../../core/shared/log-ring.js';

const world = { frontends: ['ddb_fronted'], backends: [{ name: 'ddb_backend', servers: [{ name: 'node1' }] }], state: undefined };

/** A finished transaction as a session leaves it (times on the sweep clock, one capture each way). */
function record(http: boolean): LogRecord {
  const rec = new LogRecord();
  Object.assign(rec, {
    http, frontend: 0, backend: 0, server: 0, clientAddress: '127.0.0.1', clientPort: 40000, frontendAddress: '127.0.0.1',
    frontendPort: 8080, acceptDate: Date.now(), requestDate: Date.now(), tAccept: 1, tIdleFrom: 1, tRequest: 2, tHead: 2,
    tQueued: 3, tSlot: 3, tConnected: 4, tResponse: 5, tEnd: 6, status: 200, bytesOut: 123, bytesIn: 78,
    requestLine: 'GET /a/b?c=d HTTP/1.1',
  });
  rec.requestCaptures = ['example.'];
  rec.responseCaptures = ['node'];
  return rec;
}

const suite = new Benchmark.Suite('log line');
let sink = 0;
for (const [label, text, http] of [['tcplog', TCPLOG_FORMAT, false], ['httplog', HTTPLOG_FORMAT, true], ['httplog clf', CLF_FORMAT, true]] as const) {
  const parsed = parseLogFormat(text, { readFile: () => '' }, undefined, 'line');
  if (!parsed.ok) throw new Error(parsed.message);
  const line = new CompiledLogLine(parsed.spec, world);
  const rec = record(http);
  suite.add(`${label} (${line.build(rec).length} chars)`, () => {
    // A new millisecond each time, a new second now and then: the date cache sees what a busy thread gives it.
    rec.acceptDate += 1;
    rec.requestDate += 1;
    sink += line.build(rec).length;
  });
  // The forwarder's two ways into its log ring: the string pushed (UTF-8 encoded by the ring), and the line written
  // in place (what ring-traffic-log.ts does). The ring is emptied every 1000 lines, outside the measured path's cost.
  const mem = allocateLogRings(1);
  const producer = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
  const consumer = new LogRingConsumer(mem);
  let n = 0;
  const empty = (): void => {
    if (++n % 1000 === 0) consumer.drain(() => undefined);
  };
  suite.add(`${label}: build + push`, () => {
    rec.acceptDate += 1;
    rec.requestDate += 1;
    producer.push(0, 6, line.build(rec), '');
    empty();
  });
  suite.add(`${label}: write in place`, () => {
    rec.acceptDate += 1;
    rec.requestDate += 1;
    const at = producer.reserve(MAX_RECORD_CHARS);
    producer.commit(0, 6, line.write(rec, producer.bytes, at, at + MAX_RECORD_CHARS) - at);
    empty();
  });
}
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target;
  const us = (1e6 / (b.hz ?? 1)).toFixed(2);
  console.log(`${String(b.name).padEnd(32)} ${us.padStart(10)} µs/line  ±${(b.stats?.rme ?? 0).toFixed(1)}%`);
});
suite.on('complete', () => console.log(`(sink ${sink & 0xff})`));
suite.run({ async: false });
