// What the HTTP engine writes to a client by itself, as bytes ready to go: HAProxy's proxy answers (502/503/504…,
// errorfile first) with the Connection value the client connection's mode calls for, and the early 400/408/422 of its
// HTTP/1 layer (HAProxy 2.6 §4.2 errorfile; src/http.c messages; http-errors.ts holds the texts). Forwarder threads;
// not on the hot path (only failing requests). Pure: the session writes the bytes and decides what follows.

import type { HttpRules } from '../../config/model.js';
import { serializeResponseHead } from '../http1/parser.js';
import { lowerNames } from './header-rules.js';
import { earlyErrorBytes, errorReply } from './http-errors.js';
import { responseConnValue, withConnection } from './l7-connection-mode.js';

/** A proxy answer: its bytes, and whether the client connection must close after it whatever the mode says. */
export interface Reply {
  readonly bytes: Buffer;
  /** An errorfile that does not parse as a response is sent raw, and the connection closes after it. */
  readonly raw: boolean;
}

/**
 * HAProxy's answer for `status` (an errorfile in `rules` first: backend, then frontend) with the Connection value for
 * `clientClose` and the request's version. An errorfile is sent as an HTTP message: its header names in lower case,
 * as HAProxy's are. Pure.
 */
export function proxyReply(
  status: number,
  rules: readonly (HttpRules | undefined)[],
  requestVersion: '1.0' | '1.1',
  clientClose: boolean,
): Reply {
  const reply = errorReply(status, rules);
  if ('raw' in reply) return { bytes: reply.raw, raw: true };
  const conn = responseConnValue(clientClose, reply.head.version, requestVersion);
  const headers = withConnection(lowerNames(reply.head.headers), conn, false);
  return { bytes: Buffer.concat([serializeResponseHead({ ...reply.head, headers }), reply.body]), raw: false };
}

/** 400/408/422 before any transaction, as HAProxy's H1 layer writes them; the connection closes afterwards. Pure. */
export function earlyReply(status: 400 | 408 | 422, rules: readonly (HttpRules | undefined)[]): Buffer {
  return earlyErrorBytes(status, rules);
}
