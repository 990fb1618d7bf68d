// One client connection in mode tcp, start to end: optional `accept-proxy` header, server choice with retries and
// redispatch, the PROXY line for `send-proxy`/`send-proxy-v2`, then the byte pipe. Forwarder threads, once per
// connection (the connection-rate path): both sockets read through the thread's SocketIo from their first byte (the
// ClientHold, then the pipe, is their sink); the socket's addresses are looked up only when the backend needs them.
// Every failure ends in closing this client only: nothing here may throw into the event loop.

import type net from 'node:net';
import type { Timeouts } from '../../config/model.js';
import { OrcaError } from '../errors.js';
import type { ProxyAddresses } from '../proxy-protocol/addresses.js';
import type { ProxyHeaderRead } from '../proxy-protocol/parse.js';
import { encodeProxyV1 } from '../proxy-protocol/v1.js';
import { encodeProxyV2 } from '../proxy-protocol/v2.js';
import type { BackendRuntime } from './backend-runtime.js';
import { announcedAddresses, dstPortOf } from './client-origin.js';
import { dispatch, type DispatchContext } from './dispatch.js';
import { ClientHold } from './l4-client-hold.js';
import { lingeringClose } from './lingering-close.js';
import { pipeL4 } from './l4-pipe.js';
import { pipeTimeouts, type PipeTimeouts } from './pipe-timeouts.js';
import { adoptClient, type ClientConn, type SessionEnv } from './session-env.js';
import { countTermination } from './termination.js';

const ignore = (): void => undefined;

/**
 * Serves one client connection of frontend `fe` (received on bind `bind`), handed to this thread as `conn` (the
 * session adopts it: adoptClient). Resolves when both sides are closed; rejects only when the connection cannot be
 * adopted (the caller closes it and releases its admission). The client's frontend slot must already be counted
 * (ConnAccounting.admitClient + clientAdopted); it is released here. The server slot is held for the connection's
 * whole life (HAProxy: a TCP session is one stream).
 */
export async function runL4Session(env: SessionEnv, conn: ClientConn, fe: number, bind: number): Promise<void> {
  const frontend = env.frontends[fe];
  const acceptProxy = frontend?.binds[bind]?.acceptProxy === true;
  // Reading starts at adoption: while a server is chosen the client's bytes are kept for it, and a client leaving
  // the queue is seen at once; a hard stop destroys the socket, which aborts the hold too.
  let hold: ClientHold | undefined = new ClientHold(env.sweep, acceptProxy, frontend?.timeouts.client);
  const client = adoptClient(env, conn, hold);
  // A client reset before the pipe listens must not become an uncaught 'error'.
  client.on('error', ignore);
  hold.watch(client);
  let dispatching = false;
  try {
    if (frontend === undefined) return;
    const header: ProxyHeaderRead | undefined = hold.header === undefined ? undefined : await hold.header;
    const beIndex = frontend.defaultBackend === undefined ? undefined : env.backendByName.get(frontend.defaultBackend);
    const rt = beIndex === undefined ? undefined : env.backends[beIndex];
    if (rt === undefined) {
      env.state.frontend(fe).add('refused', 1);
      return;
    }
    const announced = needsAddresses(rt) ? announcedAddresses(header, client) : header?.addresses;
    const ctx: DispatchContext = {
      accounting: env.accounting,
      thread: env.thread,
      signal: hold.signal,
      reads: { io: env.io, sink: hold },
      ...(announced === undefined ? {} : { key: announced.srcAddress }),
      ...dstPort(rt, announced, client),
    };
    dispatching = true;
    const { server, socket } = await dispatch(rt, ctx);
    dispatching = false;
    const held = hold.release();
    hold = undefined;
    const slotIndex = rt.serverSlotIndexes[server] ?? 0;
    try {
      const sendProxy = rt.config.servers[server]?.sendProxy ?? 'none';
      if (sendProxy !== 'none') {
        env.io.writeOwned(socket, sendProxy === 'v1' ? encodeProxyV1(announced) : encodeProxyV2(announced));
      }
      const slot = rt.serverSlots[server];
      const ended = await pipeL4(env, {
        client,
        server: socket,
        timeouts: timeoutsOf(frontend.timeouts, rt.config.timeouts),
        counters: slot,
        toServer: held.toServer,
        toClient: held.toClient,
      });
      // The stats counters of how it ended (cli_abrt, srv_abrt, eresp, eint); a dispatch failure counted itself.
      countTermination(ended.termination, rt.slot, slot);
    } finally {
      env.accounting.serverClosed(env.thread, rt.index, slotIndex);
    }
  } catch (e) {
    hold?.release();
    if (!(e instanceof OrcaError)) {
      env.logger.log('err', `frontend '${frontend?.name ?? fe}': unexpected error in a session: ${String(e)}`);
    } else if (e.code === 'ORCA_NO_SERVER') {
      env.state.frontend(fe).add('refused', 1);
    }
    // No server (none usable, queue timeout or full, connect retries spent): HAProxy closes with a FIN after reading
    // what the client sent, never a reset (measured on 2.6.12). A client that is gone is simply dropped.
    if (dispatching && !(e instanceof OrcaError && e.code === 'ORCA_CLIENT_CLOSED')) await lingeringClose(client, env.io);
  } finally {
    client.destroy();
    env.accounting.clientClosed(env.thread, fe);
  }
}

/**
 * Whether a session of this backend needs the client's addresses before it has a server: a hashing balancer (the
 * source address is its key), a server reached at a port relative to the client's destination, or a PROXY line.
 */
function needsAddresses(rt: BackendRuntime): boolean {
  if (rt.bindsByKey) return true;
  for (const s of rt.config.servers) if (s.sendProxy !== 'none' || s.portOffset !== undefined) return true;
  return false;
}

/** The destination port for servers with a relative port (dispatch.ts serverPort); nothing when none has one. */
function dstPort(rt: BackendRuntime, announced: ProxyAddresses | undefined, client: net.Socket): { dstPort?: number } {
  for (const s of rt.config.servers) if (s.portOffset !== undefined) return dstPortOf(announced, client);
  return {};
}

/** Pipe timeouts per (frontend, backend) pair, built once: every session of the pair shares the object. */
const timeoutPairs = new WeakMap<Timeouts, WeakMap<Timeouts, PipeTimeouts>>();

function timeoutsOf(frontend: Timeouts, backend: Timeouts): PipeTimeouts {
  let byBackend = timeoutPairs.get(frontend);
  if (byBackend === undefined) {
    byBackend = new WeakMap();
    timeoutPairs.set(frontend, byBackend);
  }
  let t = byBackend.get(backend);
  if (t === undefined) {
    t = pipeTimeouts(frontend, backend);
    byBackend.set(backend, t);
  }
  return t;
}
