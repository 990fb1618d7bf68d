// Opens the listening sockets of every frontend `bind` line: in the acceptor thread, or in each forwarder with
// SO_REUSEPORT (`--accept reuseport`). Bind failures read like HAProxy's "cannot bind socket" alerts.

import net from 'node:net';
import type { Config } from '../../config/model.js';
import { OrcaError } from '../errors.js';

export interface ListenTarget {
  readonly frontend: number;
  readonly bind: number;
  readonly frontendName: string;
  readonly address: string;
  readonly port: number;
}

/** Every bind line that orcalb opens now (stats-only and disabled proxies are not opened). */
export function listenTargets(config: Config): ListenTarget[] {
  const out: ListenTarget[] = [];
  config.frontends.forEach((fe, f) => {
    if (fe.statsOnly || fe.disabled) return;
    fe.binds.forEach((b, i) => {
      out.push({ frontend: f, bind: i, frontendName: fe.name, address: b.address, port: b.port });
    });
  });
  return out;
}

/**
 * Listens on every target; accepted sockets are paused (pauseOnConnect) so no byte is read before the owner of the
 * connection is decided. Rejects with ORCA_BIND_FAILED (closing what was opened) if any bind fails.
 */
export async function openListeners(
  targets: readonly ListenTarget[],
  reusePort: boolean,
  onConnection: (socket: net.Socket, target: ListenTarget) => void,
): Promise<net.Server[]> {
  const servers: net.Server[] = [];
  try {
    for (const t of targets) {
      const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => onConnection(socket, t));
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) => {
          const host = t.address.includes(':') ? `[${t.address}]` : t.address;
          reject(
            new OrcaError(
              'ORCA_BIND_FAILED',
              `Starting frontend ${t.frontendName}: cannot bind socket (${errnoText(e)}) [${host}:${t.port}]`,
            ),
          );
        });
        server.listen({ host: t.address, port: t.port, reusePort, backlog: 1024 }, () => {
          server.removeAllListeners('error');
          // Accept errors (EMFILE…) must not kill the thread; the listener keeps going.
          server.on('error', () => undefined);
          resolve();
        });
      });
    }
    return servers;
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
}

function errnoText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EACCES':
      return 'Permission denied';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    default:
      return e.message;
  }
}

/** Closes listeners (no new connections); live connections are untouched. */
export function closeListeners(servers: readonly net.Server[]): Promise<void> {
  return Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined);
}
