// What the HTTP engine writes to a client by itself: HAProxy's error answers (early 400/408/422 and the proxy's
// 502/503/504, errorfile first) and the lingering close that lets the last response reach the client
// (HAProxy 2.6 §4.2 errorfile; src/http.c messages). Forwarder threads.

import type net from 'node:net';
import type { HttpRules } from '../../config/model.js';
import { lowerNames } from './header-rules.js';
import { lingeringClose as closeLingering } from './lingering-close.js';
import { earlyErrorBytes, errorReply } from './http-errors.js';
import { serializeResponseHead } from '../http1/parser.js';
import { responseConnValue, withConnection } from './l7-connection-mode.js';
import { writeAll, type SocketReader } from './l7-socket-reader.js';

/**
 * Sends HAProxy's answer for `status` (an errorfile in `rules` first: backend, then frontend) with the Connection
 * value the client's mode calls for (`clientClose`, the request's version). Resolves true when the client connection
 * stays open. Never rejects.
 */
export async function sendReply(
  client: net.Socket,
  clientTimeout: number | undefined,
  rules: readonly (HttpRules | undefined)[],
  status: number,
  requestVersion: '1.0' | '1.1',
  clientClose: boolean,
): Promise<boolean> {
  const reply = errorReply(status, rules);
  if ('raw' in reply) {
    await writeAll(client, reply.raw, clientTimeout);
    return false;
  }
  // An errorfile is sent as an HTTP message too: its header names come out in lower case, as HAProxy's do.
  const conn = responseConnValue(clientClose, reply.head.version, requestVersion);
  const headers = withConnection(lowerNames(reply.head.headers), conn, false);
  const bytes = Buffer.concat([serializeResponseHead({ ...reply.head, headers }), reply.body]);
  const ok = await writeAll(client, bytes, clientTimeout);
  return ok && !clientClose;
}

/** 400/408/422 before any transaction, written as HAProxy's H1 layer does; the caller closes afterwards. */
export async function sendEarlyError(
  client: net.Socket,
  clientTimeout: number | undefined,
  rules: readonly (HttpRules | undefined)[],
  status: 400 | 408 | 422,
): Promise<void> {
  await writeAll(client, earlyErrorBytes(status, rules), clientTimeout);
}

/**
 * Ends a client connection as HAProxy does after its last response (lingering-close.ts): the reader lets go of the
 * socket first, so that the client's leftover bytes are discarded. Resolves within a second; never rejects.
 */
export async function lingeringClose(client: net.Socket, reader: SocketReader): Promise<void> {
  if (client.destroyed) return;
  reader.detach();
  await closeLingering(client);
}
