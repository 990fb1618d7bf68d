// Load generator for L4 bulk transfer (no standard tool pulls large responses over raw TCP): C connections, each
// asking `<size>\n` and reading the whole response before asking again; prints `window start` / `window end` around
// its counting time (the runner reads the proxy's CPU there), then one JSON line with MB/s, the MiB counted and its
// own CPU share (how close the generator itself is to its limit). Process entry, pinned to the load CPUs.

import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { ports: { type: 'string' }, conns: { type: 'string' }, size: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' } },
});
const ports = (values.ports ?? '').split(',').map(Number).filter((p) => p > 0);
const conns = Number(values.conns ?? '8');
const size = Number(values.size ?? String(1 << 20));
const durationMs = Number(values.duration ?? '5') * 1000;
const warmupMs = Number(values.warmup ?? '500');

let counting = false;
let bytes = 0;
let responses = 0;
let errors = 0;
const sockets: Socket[] = [];

function run(port: number): void {
  const sock = connect({ host: '127.0.0.1', port });
  sockets.push(sock);
  let left = size;
  sock.on('connect', () => sock.write(`${size}\n`));
  sock.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (counting) bytes += chunk.length;
    if (left <= 0) {
      if (counting) responses++;
      left = size;
      sock.write(`${size}\n`);
    }
  });
  sock.on('error', () => {
    errors++;
  });
}

for (let i = 0; i < conns; i++) run(ports[i % ports.length] ?? 0);
await new Promise((r) => setTimeout(r, warmupMs));
counting = true;
process.stdout.write('window start\n');
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, durationMs));
counting = false;
process.stdout.write('window end\n');
const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
for (const s of sockets) s.destroy();
process.stdout.write(
  `${JSON.stringify({
    mbPerS: bytes / elapsedS / 1e6,
    mib: bytes / 2 ** 20,
    responses,
    errors,
    clientCpu: (cpu.user + cpu.system) / 1e6 / elapsedS,
  })}\n`,
);
process.exit(0);
