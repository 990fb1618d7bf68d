// Test support for the peers tests: one side's config (haproxy or orcalb, the same text: a peers section naming
// both, a frontend tracking src and a backend sticking on src, with two tagged servers), `show table` entries
// read as field maps from either side's stats socket, and requests from a chosen source address.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand } from '../support/cli-client.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { RawHttpConnection } from '../support/http-client.js';

export interface PeerSide {
  readonly name: string;
  readonly peerPort: number;
  readonly fePort: number;
  readonly sock: string;
}

/** A temp dir for the stats sockets, removed by `cleanup`. */
export function socketDir(): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-peers-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The global section, `peers mesh` naming both (then `extraPeers` lines) and HTTP defaults: `self`'s side. */
export function pairHead(self: PeerSide, other: PeerSide, extraPeers = ''): string[] {
  return [
    'global',
    `  localpeer ${self.name}`,
    `  stats socket ${self.sock} level admin`,
    'peers mesh',
    `  peer ${self.name} 127.0.0.1:${self.peerPort}`,
    `  peer ${other.name} 127.0.0.1:${other.peerPort}`,
    extraPeers,
    'defaults',
    '  mode http',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout connect 2s',
  ];
}

/**
 * The config of `self` in a pair with `other`: both run it with their own names (tables `fe` and `be`, so the
 * table names match on both sides). `servers` are the backends' ports (s1, s2).
 */
export function pairConfig(self: PeerSide, other: PeerSide, servers: readonly number[], extraPeers = ''): string {
  return [
    ...pairHead(self, other, extraPeers),
    'frontend fe',
    `  bind 127.0.0.1:${self.fePort}`,
    '  stick-table type ip size 1k expire 60s peers mesh store conn_cnt,conn_cur,http_req_cnt,http_req_rate(10s),gpc0',
    '  http-request track-sc0 src',
    '  default_backend be',
    'backend be',
    '  balance roundrobin',
    '  stick-table type ip size 1k expire 30m peers mesh',
    '  stick on src',
    ...servers.map((port, i) => `  server s${i + 1} 127.0.0.1:${port}`),
    '',
  ].join('\n');
}

/** The fields of `key`'s entry in `table` (`show table T key K`), or undefined when there is none. */
export async function tableEntry(sock: string, table: string, key: string): Promise<Record<string, string> | undefined> {
  const text = await cliCommand(sock, `show table ${table} key ${key}`);
  const line = text.split('\n').find((l) => l.includes(` key=${key} `));
  if (line === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const word of line.split(' ').slice(1)) {
    const eq = word.indexOf('=');
    if (eq > 0) fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return fields;
}

/** One GET through `port` from `source` (a 127.0.0.0/8 address); the server that answered (x-served-by). */
export async function requestFrom(port: number, source: string): Promise<string> {
  const c = await RawHttpConnection.open(port, source);
  try {
    c.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const r = await c.response();
    return r.headers.find(([n]) => n.toLowerCase() === 'x-served-by')?.[1] ?? '';
  } finally {
    c.destroy();
  }
}

/** orcalb and haproxy 2.6.12 as the two peers of `mesh`, over one tagged farm (s1, s2), orcalb resynced from haproxy. */
export interface HaproxyPair {
  readonly hap: PeerSide;
  readonly orc: PeerSide;
  readonly haproxy: HaproxyProcess;
  readonly orcalb: OrcalbProcess;
  close(): Promise<void>;
}

/** Starts the pair; `orcalbConfig` may rewrite orcalb's config text (its servers in another order, …). */
export async function startHaproxyPair(threads: number, orcalbConfig: (text: string) => string = (t) => t): Promise<HaproxyPair> {
  const farm = await startTaggedHttpFarm(['s1', 's2']);
  const dir = socketDir();
  const ports = farm.backends.map((b) => b.port);
  const hap: PeerSide = { name: 'hap', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/hap.sock` };
  const orc: PeerSide = { name: 'orc', peerPort: await freeTcpPort(), fePort: await freeTcpPort(), sock: `${dir.dir}/orc.sock` };
  const haproxy = await startHaproxy(pairConfig(hap, orc, ports), { readyPort: hap.fePort });
  const orcalb = await startOrcalb(orcalbConfig(pairConfig(orc, hap, ports)), { threads });
  // The resync at start: orcalb learned from haproxy (an empty table) before it took traffic.
  await orcalb.waitForStderr(/peers mesh: start-up resync done \(learned from 'hap'\)/, 1000);
  return {
    hap,
    orc,
    haproxy,
    orcalb,
    close: async () => {
      await orcalb.stop();
      await haproxy.stop();
      await farm.close();
      dir.cleanup();
    },
  };
}
