// One client connection in mode tcp, start to end: optional `accept-proxy` header, server choice with retries and
// redispatch, the PROXY line for `send-proxy`/`send-proxy-v2`, then the byte pipe. Forwarder threads.
// Every failure ends in closing this client only: nothing here may throw into the event loop.

import { OrcaError } from '../errors.js';
import { encodeProxyV1 } from '../proxy-protocol/v1.js';
import { encodeProxyV2 } from '../proxy-protocol/v2.js';
import { clientOrigin, dstPortOf } from './client-origin.js';
import { dispatch } from './dispatch.js';
import { ClientHold } from './l4-client-hold.js';
import { lingeringClose } from './lingering-close.js';
import { pipeL4 } from './l4-pipe.js';
import { adoptClient, type ClientConn, type SessionEnv } from './session-env.js';
import { countTermination } from './termination.js';
import { pipeTimeouts } from './pipe-timeouts.js';

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`), handed to this thread as `conn` (the
 * session adopts it: adoptClient). Resolves when both sides are closed;
 * never rejects. The client's frontend slot must already be counted (ConnAccounting.admitClient + clientAdopted); it
 * is released here. The server slot is held for the connection's whole life (HAProxy: a TCP session is one stream).
 */
export async function runL4Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number): Promise<void> {
  const client = adoptClient(env, conn);
  // A client reset before anything is wired must not become an uncaught 'error'.
  client.on('error', () => undefined);
  const frontend = env.frontends[fe];
  let hold: ClientHold | undefined;
  try {
    if (frontend === undefined) return;
    const { announced, initial } = await clientOrigin(client, frontend, bind);
    const beIndex = frontend.defaultBackend === undefined ? undefined : env.backendByName.get(frontend.defaultBackend);
    const rt = beIndex === undefined ? undefined : env.backends[beIndex];
    if (rt === undefined) {
      env.state.frontend(fe).add('refused', 1);
      return;
    }
    // While a server is chosen the client is read (its bytes kept for the server) so that a client leaving the
    // queue is seen at once; a hard stop destroys the socket, which aborts the hold too.
    hold = new ClientHold(client, initial);
    const { server, socket } = await dispatch(rt, {
      accounting: env.accounting,
      thread: env.thread,
      ...(announced === undefined ? {} : { key: announced.srcAddress }),
      ...dstPortOf(announced, client),
      signal: hold.signal,
    });
    const early = hold.release();
    hold = undefined;
    const slotIndex = rt.serverSlotIndexes[server] ?? 0;
    const slot = rt.serverSlots[server];
    try {
      const sendProxy = rt.config.servers[server]?.sendProxy ?? 'none';
      if (sendProxy !== 'none') {
        socket.write(sendProxy === 'v1' ? encodeProxyV1(announced) : encodeProxyV2(announced));
      }
      const ended = await pipeL4(client, socket, pipeTimeouts(frontend.timeouts, rt.config.timeouts), {
        onBytes: (fromClient: boolean, n: number) => slot?.addWide(fromClient ? 'bytesIn' : 'bytesOut', n),
        ...(early === undefined ? {} : { initial: early }),
      });
      // The stats counters of how it ended (cli_abrt, srv_abrt, eresp, eint); a dispatch failure counted itself.
      countTermination(ended.termination, rt.slot, slot);
    } finally {
      env.accounting.serverClosed(env.thread, rt.index, slotIndex);
    }
  } catch (e) {
    const dispatching = hold !== undefined;
    hold?.release();
    if (!(e instanceof OrcaError)) {
      env.logger.log('err', `frontend '${frontend?.name ?? fe}': unexpected error in a session: ${String(e)}`);
    } else if (e.code === 'ORCA_NO_SERVER') {
      env.state.frontend(fe).add('refused', 1);
    }
    // No server (none usable, queue timeout or full, connect retries spent): HAProxy closes with a FIN after reading
    // what the client sent, never a reset (measured on 2.6.12). A client that is gone is simply dropped.
    if (dispatching && !(e instanceof OrcaError && e.code === 'ORCA_CLIENT_CLOSED')) await lingeringClose(client);
  } finally {
    client.destroy();
    env.accounting.clientClosed(env.thread, fe);
  }
}
