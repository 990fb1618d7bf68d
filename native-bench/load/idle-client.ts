// Load generator for the idle-connection scenario: opens N connections to one port (at most 256 connects in
// flight), prints `idle open <n> errors <e>`, keeps them idle until `close` arrives on stdin, then exits.
// Process entry, pinned to the load CPUs, started with a raised open-file limit.

import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, conns: { type: 'string' } } });
const port = Number(values.port);
const total = Number(values.conns ?? '10000');
const IN_FLIGHT = 256;

const sockets: Socket[] = [];
let errors = 0;

function openOne(): Promise<void> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sockets.push(sock);
      resolve();
    });
    sock.once('error', () => {
      errors++;
      resolve();
    });
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: Math.min(IN_FLIGHT, total) }, async () => {
    while (next < total) {
      next++;
      await openOne();
    }
  }),
);
process.stdout.write(`idle open ${sockets.length} errors ${errors}\n`);

const input = createInterface({ input: process.stdin, terminal: false });
const close = (): void => {
  for (const s of sockets) s.destroy();
  process.exit(0);
};
input.on('line', (line) => {
  if (line.trim() === 'close') close();
});
input.on('close', close);
