// What the transports of an emulated node (binary TCP side, HTTP/WebSocket side) share with the node itself:
// the record kept per accepted connection (its PROXY header, its protocol) and the runtime handle through which
// they open sessions, read the knobs and count requests. Types only, plus one pure helper. Node's thread.

import type { ProxyAddresses } from '../core/proxy-protocol/addresses.js';
import type { NodeFacts } from './builtin-functions.js';
import type { NodeKnobs } from './node-knobs.js';
import type { Session } from './session.js';

/** `--proxy`: accept a PROXY header when present (auto), insist on one (require), or reject one (forbid). */
export const PROXY_MODES = ['auto', 'require', 'forbid'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

/** What the node learned about one accepted connection. Mutable while the connection is being sorted. */
export interface ConnectionRecord {
  /** 1, 2, 3… in accept order. */
  readonly id: number;
  /** The TCP peer: orcalb or HAProxy when there is a proxy in between. */
  readonly peerAddress: string;
  readonly peerPort: number;
  /** The PROXY header stripped from the connection, if one came (addresses undefined for UNKNOWN/LOCAL). */
  proxy: { readonly version: 1 | 2; readonly addresses: ProxyAddresses | undefined } | undefined;
  /** Set when the connection was closed for its PROXY header (forbid: one came; require/auto: bad or missing). */
  proxyRejected: string | undefined;
  /** Which side served it; 'none' when it closed before sending 4 bytes. */
  protocol: 'none' | 'binary' | 'http' | 'websocket';
  /** Connections beyond maxConnections get S00006 on their first DolphinDB request. */
  readonly overLimit: boolean;
}

/** The node as its transports see it. */
export interface NodeRuntime {
  readonly name: string;
  readonly facts: NodeFacts;
  readonly knobs: NodeKnobs;
  /** Aborted when the node closes: pending delays end and transports stop. */
  readonly signal: AbortSignal;
  /** A new session for a connection; it is listed by getSessionMemoryStat until closeSession. */
  openSession(record: ConnectionRecord): Session;
  closeSession(session: Session): void;
  /** The JSON API's session for `sessionID` ("0" or unknown: a new one). */
  jsonSession(sessionId: string, record: ConnectionRecord): Session;
  /** Counts one DolphinDB request (binary, WebSocket or JSON API). */
  countRequest(): void;
  /** Counts one HTTP request (any method, WebSocket upgrades included). */
  countHttpRequest(): void;
}

/** The client as the node should report it: the PROXY source when a header came, else the TCP peer. */
export function clientOf(record: ConnectionRecord): { ip: string; port: number } {
  const a = record.proxy?.addresses;
  return a === undefined ? { ip: record.peerAddress, port: record.peerPort } : { ip: a.srcAddress, port: a.srcPort };
}
