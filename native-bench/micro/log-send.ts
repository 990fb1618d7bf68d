// Micro-benchmark: the two halves of one `option httplog` line, in CPU time (not wall time: the shared development
// machine runs other engineers' suites, and the minimum of many rounds of CPU time is what a quiet CPU gives):
// the forwarder's (the transaction's record keeping, core/log/http-session-log.ts; the line written into its log ring:
// CompiledLogLine.write in place, against the string built and pushed, the path before issue 13's cost work) and the log writer's (core/log/log-targets.ts LogChannel.send per
// line, one flush per 128 lines: the header and the sendmmsg() of the datagrams to a UDP sink that reads in another
// process, on 127.0.0.1), and the sink's send alone on a connect()ed socket against an unconnected one. Single thread.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/log-send.js

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setImmediate as tick } from 'node:timers/promises';
import { parseLogFormat } from '../../core/acl/log-format.js';
import { HEAD_LIMITS } from '../../core/forward/l7-limits.js';
import { parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { HeadView } from '../../core/http1/head-view.js';
import { captureResponse, closeTransaction, openTransaction } from '../../core/log/http-session-log.js';
import { CompiledLogLine } from '../../core/log/log-line.js';
import { LogRecord } from '../../core/log/log-record.js';
import { openLogSink } from '../../core/log/log-sink.js';
import { LogChannel, MAX_LOG_LEN, SinkSet } from '../../core/log/log-targets.js';
import { frontendLines } from '../../core/log/traffic-lines.js';
import { load, validConfig } from '../../tests/support/config-load.js';
import { loadNativeAddon } from '../../core/native-addon.js';
import { allocateLogRings, LogRingConsumer, LogRingProducer, MAX_RECORD_CHARS } from '../../core/shared/log-ring.js';
import { HTTPLOG_FORMAT } from '../../config/defaults.js';

const ROUNDS = 15;
const LINES = 50_000;

/** The least CPU time per call of `f` over ROUNDS rounds of LINES calls (µs), user + system of the process. */
async function bestCpu(f: (i: number) => void, between?: (i: number) => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < LINES; i++) {
      f(i);
      if (between !== undefined) await between(i);
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / LINES);
  }
  return best;
}

// The forwarder's half: the line of a keep-alive GET as the l7-httplog bench logs it.
const parsed = parseLogFormat(HTTPLOG_FORMAT, { readFile: () => '' }, undefined, 'line');
if (!parsed.ok) throw new Error(parsed.message);
const line = new CompiledLogLine(parsed.spec, { frontends: ['f'], backends: [{ name: 'b', servers: [{ name: 's1' }] }], state: undefined });
const rec = new LogRecord();
Object.assign(rec, {
  http: true, frontend: 0, backend: 0, server: 0, clientAddress: '127.0.0.1', clientPort: 56154, frontendAddress: '127.0.0.1',
  frontendPort: 8080, acceptDate: Date.now(), requestDate: Date.now(), tAccept: 1, tIdleFrom: 1, tRequest: 2, tHead: 2,
  tQueued: 3, tSlot: 3, tConnected: 4, tResponse: 5, tEnd: 6, status: 200, bytesOut: 85, bytesIn: 78, requestLine: 'GET / HTTP/1.1',
});
const mem = allocateLogRings(1);
const producer = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
const consumer = new LogRingConsumer(mem);
const next = (i: number): void => {
  // A new millisecond per line (the date cache sees a new second every 1000); the ring emptied every 1000 lines.
  rec.acceptDate += 1;
  rec.requestDate += 1;
  if (i % 1000 === 999) consumer.drain(() => undefined);
};
const pushed = await bestCpu((i) => {
  producer.push(0, 6, line.build(rec), '');
  next(i);
});
const inPlace = await bestCpu((i) => {
  const at = producer.reserve(MAX_RECORD_CHARS);
  producer.commit(0, 6, line.write(rec, producer.bytes, at, at + MAX_RECORD_CHARS) - at);
  next(i);
});
console.log(`forwarder: httplog line built and pushed ${pushed.toFixed(3)} µs, written in place ${inPlace.toFixed(3)} µs`);

// The forwarder's record keeping per transaction (request line, sizes, moments, server), the line itself left out.
const fl = frontendLines(
  validConfig(await load('frontend f\n    mode http\n    bind 127.0.0.1:1\n    log 127.0.0.1:514 local2\n    option httplog\n    default_backend b\nbackend b\n    mode http\n    server s1 127.0.0.1:2\n')),
  { enabled: true, logsFrontend: () => true, emit: () => undefined, emitRecord: () => undefined },
  undefined,
)[0];
if (fl === undefined) throw new Error('no FrontendLine');
const reqHead = new HeadView();
const reqBytes = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n', 'latin1');
parseRequest(reqBytes, 0, reqBytes.length, reqHead, HEAD_LIMITS);
const resHead = new HeadView();
const resBytes = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', 'latin1');
parseResponse(resBytes, 0, resBytes.length, resHead, HEAD_LIMITS);
const kept = fl.newRecord();
kept.http = true;
const keeping = await bestCpu((i) => {
  openTransaction(fl, kept, reqHead, reqBytes.length, i, 0);
  captureResponse(fl, kept, resHead, 0, i);
  closeTransaction(fl, kept, i, i, i, undefined, 0, 0, 1, i, false);
});
console.log(`forwarder: the transaction's record keeping ${keeping.toFixed(3)} µs`);

// The writer's half: a sink process on a free UDP port, reading and discarding.
const probe = createSocket('udp4');
await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
const port = probe.address().port;
probe.close();
const sinkCode = `const s = require('node:dgram').createSocket('udp4'); s.on('message', () => {}); s.bind(${port}, '127.0.0.1', () => process.stdout.write('up'));`;
const sinkProcess = spawn(process.execPath, ['-e', sinkCode], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve) => sinkProcess.stdout.once('data', () => resolve()));
try {
  const sinks = new SinkSet(loadNativeAddon());
  const channel = new LogChannel([{ address: `127.0.0.1:${port}`, facility: 'local2' }], {}, undefined, sinks, Buffer.allocUnsafe(MAX_LOG_LEN));
  const message = Buffer.from(line.build(rec));
  const tally = { sent: 0 };
  let dropped = 0;
  const sent = await bestCpu(
    () => channel.send(6, message, 0, message.length, '', tally),
    async (i) => {
      if (i % 128 !== 127) return;
      dropped += sinks.flush();
      // Let the sink's process read (one CPU or two): the batch a writer drain sends, then the next.
      await tick();
    },
  );
  dropped += sinks.flush();
  sinks.close();
  console.log(`writer: header + sendmmsg to a UDP sink ${sent.toFixed(3)} µs per line (${dropped} dropped)`);
  // The send alone, the same datagrams: connect()ed (the default) against unconnected (reconnectMs 0), interleaved.
  const figures = { connected: Infinity, unconnected: Infinity };
  for (let pass = 0; pass < 3; pass++) {
    for (const mode of ['connected', 'unconnected'] as const) {
      const sink = openLogSink(`127.0.0.1:${port}`, loadNativeAddon(), mode === 'connected' ? {} : { reconnectMs: 0 });
      const us = await bestCpu(
        () => sink.add(message, 0, message.length),
        async (i) => {
          if (i % 128 !== 127) return;
          dropped += sink.flush();
          await tick();
        },
      );
      if (sink.connected() !== (mode === 'connected')) throw new Error(`the ${mode} sink was not ${mode}`);
      sink.close();
      figures[mode] = Math.min(figures[mode], us);
    }
  }
  console.log(`sink: sendmmsg per datagram, connected ${figures.connected.toFixed(3)} µs, unconnected ${figures.unconnected.toFixed(3)} µs (${dropped} dropped)`);
} finally {
  sinkProcess.kill('SIGTERM');
}
console.log(`(least of ${ROUNDS} rounds of ${LINES} lines, process CPU time)`);
