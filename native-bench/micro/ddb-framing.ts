// Micro-benchmark: the per-call work of `option dolphindb-inspect` (issue 16) on a forwarder, apart from the relay:
// framing one binary-API exchange (`API2 … script 1+1`, reply `OK` + INT) and one WebSocket exchange (the npm client's
// masked request and the node's reply, relayed at L4) with core/dolphindb/session-framing.ts, plus the counting a
// DdbSession does (two Atomics.add, one 64-bit add, two clock reads) on a real shared buffer. Single thread.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/ddb-framing.js

import Benchmark from 'benchmark';
import { ddbScalar } from '../../core/dolphindb/objects.js';
import { SessionFraming, type FrameSink } from '../../core/dolphindb/session-framing.js';
import { encodeReply } from '../../core/dolphindb/wire-reply.js';
import { encodeRequest } from '../../core/dolphindb/wire-request.js';
import { DDB_KIND_FIELDS, DDB_LATENCY_FIELDS } from '../../core/dolphindb/inspect-fields.js';
import { SharedState } from '../../core/shared/state-buffer.js';

const counts = { servers: 1, backends: 1, frontends: 1, threads: 1 };
const state = SharedState.allocate(counts);
const slot = state.server(0);

let calls = 0;
const counting: FrameSink = {
  exchangeEnded(kind, ok, startedAt) {
    calls++;
    slot.add((DDB_KIND_FIELDS[kind] as readonly [never, never])[ok ? 0 : 1], 1);
    slot.add(DDB_LATENCY_FIELDS[0] as never, 1);
    slot.addWide('ddbLatencyUs', Math.round((performance.now() - startedAt) * 1000));
  },
};

const request = encodeRequest('123456789', { kind: 'script', script: '1+1' });
const reply = encodeReply('123456789', ddbScalar('INT', 2));

function wsFrame(payload: Buffer, masked: boolean): Buffer {
  const head = Buffer.from([0x82, payload.length | (masked ? 0x80 : 0)]);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([head, mask, Buffer.from(payload.map((b, i) => b ^ (mask[i & 3] as number)))]);
}
const wsRequest = wsFrame(request, true);
const wsReply = wsFrame(reply, false);

const binary = new SessionFraming(counting);
const ws = new SessionFraming(counting);
const up = Buffer.from('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n');
ws.fromClient(up, 0, up.length);
const ok = Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n');
ws.fromServer(ok, 0, ok.length);

const suite = new Benchmark.Suite('ddb framing');
suite.add(`binary API exchange (${request.length} + ${reply.length} bytes)`, () => {
  binary.fromClient(request, 0, request.length);
  binary.fromServer(reply, 0, reply.length);
});
suite.add(`WebSocket exchange at L4 (${wsRequest.length} + ${wsReply.length} bytes)`, () => {
  ws.fromClient(wsRequest, 0, wsRequest.length);
  ws.fromServer(wsReply, 0, wsReply.length);
});
suite.on('cycle', (event: Benchmark.Event) => {
  const b = event.target;
  const us = (1e6 / (b.hz ?? 1)).toFixed(3);
  console.log(`${String(b.name).padEnd(48)} ${us.padStart(10)} µs/exchange  ±${(b.stats?.rme ?? 0).toFixed(1)}%`);
});
suite.on('complete', () => {
  if (!binary.tracking || !ws.tracking) throw new Error(`framing lost: ${binary.lostReason} ${ws.lostReason}`);
  console.log(`(${calls} exchanges counted)`);
});
suite.run({ async: false });
