// Process entry for the bench backends: `--kind bulk|http|ddb --count N` starts N servers of one kind on 127.0.0.1
// (ddb: emulated DolphinDB data nodes, PROXY header accepted), prints `backends ready [ports]`, answers `conns` on
// stdin with `conns <open connections>`, and exits on SIGTERM or stdin end. Runs pinned to the load CPUs.

import type { Server } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';
import { startBulkServer } from './bulk-server.js';
import { startHttpServer } from './http-server.js';

const { values } = parseArgs({ options: { kind: { type: 'string' }, count: { type: 'string' } } });
const kind = values.kind ?? 'bulk';
const count = Math.max(1, Number(values.count ?? '3'));
const live = { count: 0 };
const servers: Server[] = [];
const nodes: EmulatedNode[] = [];

for (let i = 0; i < count; i++) {
  if (kind === 'bulk') servers.push(await startBulkServer(live));
  else if (kind === 'http') servers.push(await startHttpServer(live));
  else if (kind === 'ddb') nodes.push(await startEmulatedNode({ name: `node${i + 1}`, proxy: 'auto', port: 0 }));
  else {
    process.stderr.write(`backend-process: unknown --kind ${kind}\n`);
    process.exit(2);
  }
}

const ports = [
  ...servers.map((s) => {
    const a = s.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }),
  ...nodes.map((n) => n.port),
];
process.stdout.write(`backends ready ${JSON.stringify(ports)}\n`);

const stop = (): void => {
  for (const s of servers) s.close();
  void Promise.all(nodes.map((n) => n.close())).finally(() => process.exit(0));
  // Open keep-alive sockets would hold close() forever: the process is ours, exiting is the cleanup.
  setTimeout(() => process.exit(0), 500).unref();
};
const input = createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => {
  if (line.trim() === 'conns') {
    const ddb = nodes.reduce((sum, n) => sum + n.counters().liveConnections, 0);
    process.stdout.write(`conns ${live.count + ddb}\n`);
  }
});
input.on('close', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
