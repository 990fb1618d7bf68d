// An HTTP connection that switched protocols (101, or a CONNECT the server accepted) becomes a byte tunnel between the
// client and the server, under `timeout tunnel` and the TCP termination rules (HAProxy 2.6 §4 tunnel mode; l4-pipe.ts).
// Forwarder threads. The interface the HTTP engine relies on: both sockets and the bytes each side sent past the
// switch; the L4 pipe takes both sockets' reads over (it becomes their SocketIo sink), so the hand-over copies nothing
// but the client bytes already read past the request.

import type net from 'node:net';
import type { SessionFraming } from '../dolphindb/session-framing.js';
import { pipeL4, type ByteCounters, type PipeEnv, type PipeResult, type PipeTimeouts } from './l4-pipe.js';

/**
 * Runs the tunnel until both sides are closed. `fromClient` (client bytes read past the request) goes to the server
 * first; what the server sent past its answer was already written to the client by the caller, with the answer.
 * `counters` counts each read (bytesIn = client → server). The caller has removed its own listeners and disarmed its
 * deadline (l4-pipe.ts startPipe's contract). `framing`: the DolphinDB WebSocket framing of `option
 * dolphindb-inspect`, shown every byte both ways. Resolves with the pipe's result; never rejects.
 */
export function runTunnel(
  env: PipeEnv,
  client: net.Socket,
  server: net.Socket,
  fromClient: Buffer | undefined,
  timeouts: PipeTimeouts,
  counters: ByteCounters | undefined,
  framing?: SessionFraming,
): Promise<PipeResult> {
  return pipeL4(env, {
    client,
    server,
    timeouts,
    counters,
    framing,
    ...(fromClient !== undefined && fromClient.length > 0 ? { toServer: fromClient } : {}),
  });
}
