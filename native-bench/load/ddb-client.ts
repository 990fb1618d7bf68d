// Load generator for DolphinDB API round trips: S concurrent binary-API sessions (the project's codec through the
// tests' DdbTcpClient), each running `1+1` (a script the emulated node evaluates) in a loop; prints one JSON line with calls/s and p50/p99
// latency in ms. Process entry, pinned to the load CPUs.

import { parseArgs } from 'node:util';
import { DdbTcpClient } from '../../tests/support/ddb-tcp-client.js';
import { runCallLoop } from './call-loop.js';

const { values } = parseArgs({
  options: { ports: { type: 'string' }, sessions: { type: 'string' }, duration: { type: 'string' }, script: { type: 'string' } },
});
const ports = (values.ports ?? '').split(',').map(Number).filter((p) => p > 0);
const sessions = Number(values.sessions ?? '32');
const durationMs = Number(values.duration ?? '5') * 1000;
const script = values.script ?? '1+1';

let errors = 0;
const clients: DdbTcpClient[] = [];
for (let i = 0; i < sessions; i++) {
  try {
    clients.push(await DdbTcpClient.open(ports[i % ports.length] ?? 0));
  } catch {
    errors++;
  }
}
// One call each before the clock starts: sessions are created, connections warm.
await Promise.all(clients.map((c) => c.run(script).catch(() => void errors++)));

await runCallLoop(
  clients.map((c) => ({ call: () => c.run(script), close: () => c.close() })),
  durationMs,
  errors,
);
process.exit(0);
