// Load generator for DolphinDB round trips over WebSocket (the npm `dolphindb` client's transport): S sessions,
// each a WebSocket on ws://127.0.0.1:port/ sending one binary request message (the project's codec) and reading the
// MSG chunks and reply messages; `1+1` in a loop. Prints one JSON line like ddb-client. Process entry, load CPUs.

import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { ReplyParser } from '../../core/dolphindb/wire-reply.js';
import { encodeRequest } from '../../core/dolphindb/wire-request.js';
import { runCallLoop } from './call-loop.js';

const { values } = parseArgs({ options: { ports: { type: 'string' }, sessions: { type: 'string' }, duration: { type: 'string' } } });
const ports = (values.ports ?? '').split(',').map(Number).filter((p) => p > 0);
const sessions = Number(values.sessions ?? '32');
const durationMs = Number(values.duration ?? '5') * 1000;
const SCRIPT = '1+1';
const CALL_TIMEOUT_MS = 5000;

/** One WebSocket session: call() sends a request and resolves at its reply (a DolphinDB error reply rejects). */
async function openSession(port: number): Promise<{ call(): Promise<void>; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const parser = new ReplyParser();
  let sid = '0';
  let waiting: ((e?: Error) => void) | undefined;
  ws.on('message', (data: Buffer) => {
    parser.push(data);
    for (let step = parser.next(); step.kind !== 'incomplete'; step = parser.next()) {
      if (step.kind === 'message') continue;
      if (step.kind === 'error') return waiting?.(step.error);
      sid = step.reply.sessionId;
      waiting?.(step.reply.kind === 'error' ? new Error(step.reply.message) : undefined);
    }
  });
  ws.on('close', () => waiting?.(new Error('closed')));
  ws.on('error', () => undefined);
  return {
    call: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply')), CALL_TIMEOUT_MS);
        waiting = (e) => {
          clearTimeout(timer);
          waiting = undefined;
          if (e === undefined) resolve();
          else reject(e);
        };
        ws.send(encodeRequest(sid, { kind: 'script', script: SCRIPT }, { api: 'API2' }));
      }),
    close: () => ws.terminate(),
  };
}

let errors = 0;
const clients: { call(): Promise<void>; close(): void }[] = [];
for (let i = 0; i < sessions; i++) {
  try {
    clients.push(await openSession(ports[i % ports.length] ?? 0));
  } catch {
    errors++;
  }
}
await Promise.all(clients.map((c) => c.call().catch(() => void errors++)));
await runCallLoop(clients, durationMs, errors);
process.exit(0);
