// Load generator for DolphinDB JSON-API calls (POST / with executeCode, api-json's shape): S sessions, each on its own
// kept-alive HTTP connection to http://127.0.0.1:port/, making a session with its first call and then sending `1+1`
// under that sessionID in a loop. Prints one JSON line like ddb-client (call-loop.ts). Process entry, load CPUs.

import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { runCallLoop, type LoadSession } from './call-loop.js';

const { values } = parseArgs({ options: { ports: { type: 'string' }, sessions: { type: 'string' }, duration: { type: 'string' } } });
const ports = (values.ports ?? '').split(',').map(Number).filter((p) => p > 0);
const sessions = Number(values.sessions ?? '32');
const durationMs = Number(values.duration ?? '5') * 1000;
const CALL_TIMEOUT_MS = 5000;

/** The body of one executeCode call (the script URL-encoded, as api-json asks). */
function body(sid: string): string {
  return JSON.stringify({ sessionID: sid, functionName: 'executeCode', params: [{ name: 'script', form: 'scalar', type: 'string', value: encodeURIComponent('1+1') }] });
}

function post(port: number, agent: Agent, text: string): Promise<{ sessionID?: unknown; resultCode?: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, timeout: CALL_TIMEOUT_MS,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(parts).toString()) as { sessionID?: unknown; resultCode?: unknown });
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no reply')));
    req.on('error', reject);
    req.end(text);
  });
}

async function openSession(port: number): Promise<LoadSession> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const first = await post(port, agent, body('0'));
  const sid = typeof first.sessionID === 'string' ? first.sessionID : '0';
  const text = body(sid);
  return {
    call: async () => {
      const a = await post(port, agent, text);
      if (a.resultCode !== '0') throw new Error(`resultCode ${String(a.resultCode)}`);
    },
    close: () => agent.destroy(),
  };
}

let errors = 0;
const clients: LoadSession[] = [];
for (let i = 0; i < sessions; i++) {
  try {
    clients.push(await openSession(ports[i % ports.length] ?? 0));
  } catch {
    errors++;
  }
}
await runCallLoop(clients, durationMs, errors);
process.exit(0);
