// Issue 9, contracts with a consumer: side by side with haproxy 2.6.12, how a session ends (its termination state)
// decides which stats counters of its backend and server move (cli_abrt, srv_abrt, eresp, econ), and econ counts a
// client once, however many connect retries it took (wretr counts those). haproxy's numbers come from its stats
// socket, orcalb's from the shared-buffer fields whose stats column (core/shared/layout.ts) has the same name; both
// run the same clients through the same config. Test-runner thread; 127.0.0.1 only.

import { serverSlotIndex, topologyOf } from '../../core/shared/topology.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BACKEND_FIELDS, SERVER_FIELDS } from '../../core/shared/layout.js';
import type { SharedState } from '../../core/shared/state-buffer.js';
import { connectTagged, requestTag, startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { pollFor, pollUntil } from '../support/wait.js';
import { watchClose } from '../support/close-kind.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { statRow, statsCommand } from '../support/haproxy-stats.js';
import { serveConfig } from '../support/l7-harness.js';

const COLUMNS = ['econ', 'eresp', 'cli_abrt', 'srv_abrt', 'wretr'] as const;
type Column = (typeof COLUMNS)[number];
type Counts = Readonly<Record<Column, number>>;

function counts(over: Partial<Counts>): Counts {
  return { econ: 0, eresp: 0, cli_abrt: 0, srv_abrt: 0, wretr: 0, ...over };
}

/** The backends the cases talk to: tagged echo servers, and an HTTP server that switches to an echo tunnel. */
interface Backends {
  readonly farm: BackendFarm;
  readonly upgradePort: number;
  /** A port nothing listens on: connects are refused. */
  readonly deadPort: number;
}

interface Case {
  readonly name: string;
  readonly title: string;
  /** Lines of the case's frontend and backend sections (besides bind, default_backend and server). */
  readonly frontend?: readonly string[];
  readonly backend?: readonly string[];
  /** The server line's address and options. */
  server(b: Backends): string;
  /** The client's part; resolves once every client socket of the case is closed. */
  run(port: number, b: Backends, lb: Running): Promise<void>;
  readonly backendCounts: Counts;
  readonly serverCounts: Counts;
}

/** One running balancer as the cases see it; `index` is the case's position (its frontend, backend and server). */
interface Running {
  port(index: number): number;
  /** Sessions of the case's backend waiting in its queue. */
  queued(index: number): Promise<number>;
  /** Resolves once the case's frontend has no live session left. */
  settled(index: number): Promise<void>;
  counters(index: number): Promise<{ backend: Counts; server: Counts }>;
  stop(): Promise<void>;
}

/** Resolves once `socket` has closed. */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

/** Sends an Upgrade request and resolves once the 101 head has come back. */
async function openTunnel(port: number, path: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`GET ${path} HTTP/1.1\r\nhost: t\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n`);
  let head = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 101 within 5 s (got ${JSON.stringify(head)})`)), 5000);
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      clearTimeout(timer);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`expected a 101, got ${JSON.stringify(head)}`));
    });
  });
  return socket;
}

const CASES: readonly Case[] = [
  {
    name: 'clean',
    title: 'a session both sides end with a FIN (--) counts nothing',
    server: (b) => `127.0.0.1:${b.farm.port('clean')}`,
    run: async (port) => void (await requestTag(port, 'bye')),
    backendCounts: counts({}),
    serverCounts: counts({}),
  },
  {
    name: 'clirst',
    title: 'a client reset in the data phase (CD) is cli_abrt of the backend and the server',
    server: (b) => `127.0.0.1:${b.farm.port('clirst')}`,
    async run(port) {
      const c = await connectTagged(port);
      await c.exchange('x');
      c.reset();
      await c.closed;
    },
    backendCounts: counts({ cli_abrt: 1 }),
    serverCounts: counts({ cli_abrt: 1 }),
  },
  {
    name: 'clito',
    title: 'a client idle past timeout client (cD) is cli_abrt',
    frontend: ['  timeout client 300ms'],
    server: (b) => `127.0.0.1:${b.farm.port('clito')}`,
    run: async (port) => void (await (await connectTagged(port)).closed),
    backendCounts: counts({ cli_abrt: 1 }),
    serverCounts: counts({ cli_abrt: 1 }),
  },
  {
    name: 'srvto',
    title: 'a server idle past timeout server (sD) is srv_abrt alone',
    backend: ['  timeout server 300ms'],
    server: (b) => `127.0.0.1:${b.farm.port('srvto')}`,
    run: async (port) => void (await (await connectTagged(port)).closed),
    backendCounts: counts({ srv_abrt: 1 }),
    serverCounts: counts({ srv_abrt: 1 }),
  },
  {
    name: 'srvrst',
    title: 'a server reset in the data phase (SD) is srv_abrt and eresp',
    server: (b) => `127.0.0.1:${b.farm.port('srvrst')}`,
    async run(port, b) {
      const c = await connectTagged(port);
      await c.exchange('x');
      b.farm.reset('srvrst');
      await c.closed;
    },
    backendCounts: counts({ srv_abrt: 1, eresp: 1 }),
    serverCounts: counts({ srv_abrt: 1, eresp: 1 }),
  },
  {
    name: 'refused',
    title: 'a client whose every connect is refused (SC) is one econ, whatever the retries (wretr counts those)',
    backend: ['  retries 2', '  timeout connect 200ms'],
    server: (b) => `127.0.0.1:${b.deadPort}`,
    run: async (port) => void (await watchClose(port, 'x')),
    backendCounts: counts({ econ: 1, wretr: 2 }),
    serverCounts: counts({ econ: 1, wretr: 2 }),
  },
  {
    name: 'nosrv',
    title: 'a client no server can take (SC, <NOSRV>) is econ of the backend only',
    server: (b) => `127.0.0.1:${b.farm.port('nosrv')} disabled`,
    run: async (port) => void (await watchClose(port, 'x')),
    backendCounts: counts({ econ: 1 }),
    serverCounts: counts({}),
  },
  {
    name: 'queueto',
    title: 'a client that waited in the backend queue past timeout queue (sQ) is econ of the backend only',
    backend: ['  timeout queue 300ms'],
    server: (b) => `127.0.0.1:${b.farm.port('queueto')} maxconn 1`,
    async run(port) {
      const holder = await connectTagged(port);
      await watchClose(port, 'x');
      await holder.end();
    },
    backendCounts: counts({ econ: 1 }),
    serverCounts: counts({}),
  },
  {
    name: 'queueleave',
    title: 'a client that resets while queued is cli_abrt of the backend only (haproxy logs it CD)',
    backend: ['  timeout queue 10s'],
    server: (b) => `127.0.0.1:${b.farm.port('queueleave')} maxconn 1`,
    async run(port, _b, lb) {
      const holder = await connectTagged(port);
      const leaver = net.connect(port, '127.0.0.1');
      leaver.on('error', () => undefined);
      const index = CASES.findIndex((c) => c.name === 'queueleave');
      await pollFor(async () => (await lb.queued(index)) !== 0, 10_000, 10);
      assert.equal(await lb.queued(index), 1, 'the second client is queued');
      leaver.resetAndDestroy();
      // The holder stays until the leaver is out of the queue: its own end must not be the one counted.
      await pollFor(async () => (await lb.queued(index)) <= 0, 10_000, 10);
      await holder.end();
    },
    backendCounts: counts({ cli_abrt: 1 }),
    serverCounts: counts({}),
  },
  {
    name: 'httpnosrv',
    title: 'mode http: a request no server can take (503, SC) is econ of the backend only',
    frontend: ['  mode http'],
    backend: ['  mode http'],
    server: (b) => `127.0.0.1:${b.farm.port('httpnosrv')} disabled`,
    run: async (port) => void (await watchClose(port, 'GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n')),
    backendCounts: counts({ econ: 1 }),
    serverCounts: counts({}),
  },
  {
    name: 'httprefused',
    title: 'mode http: a request whose every connect is refused (503, SC) is one econ and wretr per retry',
    frontend: ['  mode http'],
    backend: ['  mode http', '  retries 1', '  timeout connect 200ms'],
    server: (b) => `127.0.0.1:${b.deadPort}`,
    run: async (port) => void (await watchClose(port, 'GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n')),
    backendCounts: counts({ econ: 1, wretr: 1 }),
    serverCounts: counts({ econ: 1, wretr: 1 }),
  },
  {
    name: 'storm',
    title: '40 clients at once, every other one resetting mid-session: exactly the 20 resets count, once each',
    server: (b) => `127.0.0.1:${b.farm.port('storm')}`,
    async run(port) {
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const c = await connectTagged(port);
          await c.exchange(`client ${i}\n`);
          if (i % 2 === 0) {
            c.reset();
            await c.closed;
          } else {
            await c.end();
          }
        }),
      );
    },
    backendCounts: counts({ cli_abrt: 20 }),
    serverCounts: counts({ cli_abrt: 20 }),
  },
  {
    name: 'refusedstorm',
    title: '20 clients at once against a refusing server, retries 1: econ 20 and wretr 20, nothing counted twice',
    backend: ['  retries 1', '  timeout connect 200ms'],
    server: (b) => `127.0.0.1:${b.deadPort}`,
    run: async (port) => void (await Promise.all(Array.from({ length: 20 }, () => watchClose(port, 'x')))),
    backendCounts: counts({ econ: 20, wretr: 20 }),
    serverCounts: counts({ econ: 20, wretr: 20 }),
  },
  {
    name: 'tunnelclirst',
    title: 'mode http: a client reset in a tunnel after a 101 (CD) is cli_abrt',
    frontend: ['  mode http', '  timeout tunnel 5s'],
    backend: ['  mode http', '  timeout tunnel 5s'],
    server: (b) => `127.0.0.1:${b.upgradePort}`,
    async run(port) {
      const s = await openTunnel(port, '/echo');
      s.resetAndDestroy();
      await closed(s);
    },
    backendCounts: counts({ cli_abrt: 1 }),
    serverCounts: counts({ cli_abrt: 1 }),
  },
  {
    name: 'tunnelsrvrst',
    title: 'mode http: a server reset in a tunnel after a 101 (SD) is srv_abrt and eresp',
    frontend: ['  mode http', '  timeout tunnel 5s'],
    backend: ['  mode http', '  timeout tunnel 5s'],
    server: (b) => `127.0.0.1:${b.upgradePort}`,
    async run(port) {
      const s = await openTunnel(port, '/reset');
      await closed(s);
    },
    backendCounts: counts({ srv_abrt: 1, eresp: 1 }),
    serverCounts: counts({ srv_abrt: 1, eresp: 1 }),
  },
];

/** The same file for both balancers; only haproxy gets the stats socket (orcalb warns that it has none). */
function configText(b: Backends, ports: readonly number[], statsSocket?: string): string {
  const lines = ['global'];
  if (statsSocket !== undefined) lines.push(`  stats socket ${statsSocket}`);
  lines.push('defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s');
  CASES.forEach((c, i) => {
    lines.push(`frontend fe_${c.name}`, `  bind 127.0.0.1:${ports[i] ?? 0}`, ...(c.frontend ?? []), `  default_backend be_${c.name}`);
    lines.push(`backend be_${c.name}`, ...(c.backend ?? []), `  server s1 ${c.server(b)}`);
  });
  return `${lines.join('\n')}\n`;
}

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freeTcpPort());
  return out;
}

async function startHaproxyRunning(b: Backends): Promise<Running> {
  const ports = await freePorts(CASES.length);
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-stats-'));
  const socket = join(dir, 'stats.sock');
  const h = await startHaproxy(configText(b, ports, socket), { readyPort: ports[ports.length - 1] ?? 0 }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const row = async (index: number, sv: string): Promise<Record<string, string>> => {
    const c = CASES[index];
    assert.ok(c !== undefined);
    const px = sv === 'FRONTEND' ? `fe_${c.name}` : `be_${c.name}`;
    return statRow(await statsCommand(socket, 'show stat'), px, sv);
  };
  const countsOf = (r: Record<string, string>): Counts =>
    Object.fromEntries(COLUMNS.map((col) => [col, Number(r[col] === '' ? 0 : r[col])])) as Record<Column, number>;
  return {
    port: (index) => ports[index] ?? 0,
    queued: async (index) => Number((await row(index, 'BACKEND'))['qcur']),
    async settled(index) {
      await pollUntil(async () => (await row(index, 'FRONTEND'))['scur'] === '0', 10_000, 'haproxy: the session to end', 10);
    },
    counters: async (index) => ({ backend: countsOf(await row(index, 'BACKEND')), server: countsOf(await row(index, 's1')) }),
    async stop() {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** orcalb's counter for a stats column, read from the field the layout table maps to that column. */
function fieldOf<T extends readonly { readonly name: string; readonly stat?: string }[]>(fields: T, col: Column): T[number]['name'] {
  const f = fields.find((x) => x.stat === col);
  assert.ok(f !== undefined, `no field for the stats column ${col}`);
  return f.name;
}

async function startOrcalbRunning(b: Backends): Promise<Running> {
  const config = validConfig(await load(configText(b, await freePorts(CASES.length))));
  const served = await serveConfig(config);
  const state: SharedState = served.state;
  const topology = topologyOf(config, 1);
  const read = (index: number): { backend: Counts; server: Counts } => ({
    backend: Object.fromEntries(COLUMNS.map((c) => [c, state.backend(index).load(fieldOf(BACKEND_FIELDS, c))])) as Record<Column, number>,
    // One server per backend, each backend after the previous one's spare slots (topology.ts).
    server: Object.fromEntries(COLUMNS.map((c) => [c, state.server(serverSlotIndex(topology, index, 0)).load(fieldOf(SERVER_FIELDS, c))])) as Record<Column, number>,
  });
  return {
    port: (index) => served.ports[index] ?? 0,
    queued: (index) => Promise.resolve(state.backend(index).load('queued')),
    settled: (index) => pollUntil(() => state.frontend(index).load('curConns') === 0, 5000, 'orcalb: the session to end'),
    counters: (index) => Promise.resolve(read(index)),
    stop: () => served.close(),
  };
}

/** An HTTP server that answers every Upgrade with a 101, then echoes (`/echo`) or resets at once (`/reset`). */
async function startUpgradeServer(): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.end('no upgrade'));
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    socket.on('error', () => undefined);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n');
    if (req.url === '/reset') setTimeout(() => socket.resetAndDestroy(), 50);
    else socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const SUBJECTS = [
  { name: 'haproxy 2.6', start: startHaproxyRunning },
  { name: 'orcalb', start: startOrcalbRunning },
] as const;

for (const subject of SUBJECTS) {
  describe(`termination counters, ${subject.name}`, () => {
    let backends: Backends;
    let lb: Running;
    let upgrade: http.Server;
    before(async () => {
      const farm = await startBackendFarm(CASES.map((c) => c.name));
      upgrade = await startUpgradeServer();
      backends = { farm, upgradePort: (upgrade.address() as net.AddressInfo).port, deadPort: await freeTcpPort() };
      lb = await subject.start(backends);
    });
    after(async () => {
      await lb.stop();
      await backends.farm.close();
      upgrade.closeAllConnections();
      await new Promise<void>((r) => upgrade.close(() => r()));
    });

    CASES.forEach((c, index) => {
      test(c.title, async () => {
        await c.run(lb.port(index), backends, lb);
        await lb.settled(index);
        assert.deepEqual(await lb.counters(index), { backend: c.backendCounts, server: c.serverCounts });
      });
    });
  });
}
