// One client connection in mode tcp, start to end: optional `accept-proxy` header, server choice with retries and
// redispatch, the PROXY line for `send-proxy`/`send-proxy-v2`, then the byte pipe. Forwarder threads.
// Every failure ends in closing this client only: nothing here may throw into the event loop.

import type net from 'node:net';
import type { FrontendConfig } from '../../config/model.js';
import type { Logger } from '../log.js';
import { OrcaError } from '../errors.js';
import { encodeProxyV1 } from '../proxy-protocol/v1.js';
import { encodeProxyV2 } from '../proxy-protocol/v2.js';
import type { ConnAccounting } from '../shared/conn-accounting.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { BackendRuntime } from './backend-runtime.js';
import { clientOrigin, dstPortOf } from './client-origin.js';
import { dispatch } from './dispatch.js';
import { pipeL4 } from './l4-pipe.js';
import { pipeTimeouts } from './timeouts.js';

export interface SessionEnv {
  readonly state: SharedState;
  readonly accounting: ConnAccounting;
  readonly thread: number;
  readonly frontends: readonly FrontendConfig[];
  readonly backends: readonly BackendRuntime[];
  /** Backend index by name. */
  readonly backendByName: ReadonlyMap<string, number>;
  readonly logger: Logger;
  /** Aborted on hard stop: sessions still waiting for a server give up. */
  readonly stopSignal: AbortSignal;
  /**
   * Aborted on a graceful stop: HTTP sessions idle between requests are closed, and the next response tells the
   * client `connection: close` (HAProxy's soft stop). TCP sessions ignore it. Optional for tests.
   */
  readonly softStopSignal?: AbortSignal;
}

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`). Resolves when both sides are closed;
 * never rejects. The client's frontend slot must already be counted (ConnAccounting.admitClient + clientAdopted); it
 * is released here.
 */
export async function runL4Session(env: SessionEnv, client: net.Socket, fe: number, bind: number): Promise<void> {
  // A client reset before anything is wired must not become an uncaught 'error'.
  client.on('error', () => undefined);
  const frontend = env.frontends[fe];
  try {
    if (frontend === undefined) return;
    const { announced, initial } = await clientOrigin(client, frontend, bind);
    const beIndex = frontend.defaultBackend === undefined ? undefined : env.backendByName.get(frontend.defaultBackend);
    const rt = beIndex === undefined ? undefined : env.backends[beIndex];
    if (rt === undefined) {
      env.state.frontend(fe).add('refused', 1);
      return;
    }
    const { server, socket } = await dispatch(rt, {
      state: env.state,
      accounting: env.accounting,
      thread: env.thread,
      ...(announced === undefined ? {} : { key: announced.srcAddress }),
      ...dstPortOf(announced, client),
      signal: env.stopSignal,
    });
    const slotIndex = rt.serverSlotIndexes[server] ?? 0;
    const slot = rt.serverSlots[server];
    try {
      const sendProxy = rt.config.servers[server]?.sendProxy ?? 'none';
      if (sendProxy !== 'none') {
        socket.write(sendProxy === 'v1' ? encodeProxyV1(announced) : encodeProxyV2(announced));
      }
      await pipeL4(client, socket, pipeTimeouts(frontend.timeouts, rt.config.timeouts), {
        onBytes: (fromClient: boolean, n: number) => slot?.addWide(fromClient ? 'bytesIn' : 'bytesOut', n),
        ...(initial === undefined ? {} : { initial }),
      });
    } finally {
      env.accounting.serverClosed(env.thread, rt.index, slotIndex);
    }
  } catch (e) {
    client.destroy();
    if (!(e instanceof OrcaError)) {
      env.logger.log('err', `frontend '${frontend?.name ?? fe}': unexpected error in a session: ${String(e)}`);
    } else if (e.code === 'ORCA_NO_SERVER') {
      env.state.frontend(fe).add('refused', 1);
    }
  } finally {
    client.destroy();
    env.accounting.clientClosed(env.thread, fe);
  }
}
