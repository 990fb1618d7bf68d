// Load generator for DolphinDB API round trips: S concurrent binary-API sessions (the project's codec through the
// tests' DdbTcpClient), each running `1+1` (a script the emulated node evaluates) in a loop; prints one JSON line with calls/s and p50/p99
// latency in ms. Process entry, pinned to the load CPUs.

import { parseArgs } from 'node:util';
import { DdbTcpClient } from '../../tests/support/ddb-tcp-client.js';

const { values } = parseArgs({
  options: { ports: { type: 'string' }, sessions: { type: 'string' }, duration: { type: 'string' }, script: { type: 'string' } },
});
const ports = (values.ports ?? '').split(',').map(Number).filter((p) => p > 0);
const sessions = Number(values.sessions ?? '32');
const durationMs = Number(values.duration ?? '5') * 1000;
const script = values.script ?? '1+1';

const latencies: number[] = [];
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

const t0 = performance.now();
const end = t0 + durationMs;
await Promise.all(
  clients.map(async (c) => {
    while (performance.now() < end) {
      const start = performance.now();
      try {
        await c.run(script);
        latencies.push(performance.now() - start);
      } catch {
        errors++;
        return;
      }
    }
  }),
);
const elapsedS = (performance.now() - t0) / 1000;
for (const c of clients) c.close();
latencies.sort((a, b) => a - b);
const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
process.stdout.write(`${JSON.stringify({ callsPerS: latencies.length / elapsedS, p50Ms: at(0.5), p99Ms: at(0.99), errors })}\n`);
process.exit(0);
