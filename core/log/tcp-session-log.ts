// The TCP session's side of `option tcplog` (manual §8.2.2): what core/forward/l4-session.ts tells its LogRecord
// when the connection is adopted, when its server is had (or not), and when it ends. Kept here so the session's
// hooks stay one line each. Forwarder threads; runs only for frontends that log (FrontendLine present).

import type net from 'node:net';
import type { BackendRuntime } from '../forward/backend-runtime.js';
import type { DialFacts } from '../forward/dispatch.js';
import { dispatchTermination } from '../forward/termination.js';
import type { ProxyAddresses } from '../proxy-protocol/addresses.js';
import type { LogRecord } from './log-record.js';
import type { FrontendLine } from './traffic-lines.js';

/** A record for a TCP session adopted now (`now`: the thread's sweep clock). Reads the socket's addresses. */
export function tcpRecord(line: FrontendLine, client: net.Socket, now: number): LogRecord {
  const rec = connectionRecord(line, client, now);
  // A TCP session is one HAProxy stream: one %rt (an HTTP connection takes one per request instead).
  line.countRequest(rec);
  return rec;
}

/** The record of a connection adopted now, TCP or HTTP (core/log/http-session-log.ts httpRecord). */
export function connectionRecord(line: FrontendLine, client: net.Socket, now: number): LogRecord {
  const rec = line.newRecord();
  rec.acceptDate = Date.now();
  rec.tAccept = now;
  rec.tIdleFrom = now;
  // A TLS socket (node:tls marks it `encrypted`): the session of an ssl bind.
  rec.tls = (client as net.Socket & { encrypted?: boolean }).encrypted === true;
  addressesOf(rec, client);
  return rec;
}

/** The client's and the frontend's addresses as HAProxy prints them (IPv4-mapped IPv6 as IPv4). */
export function addressesOf(rec: LogRecord, client: net.Socket): void {
  rec.clientAddress = plainAddress(client.remoteAddress);
  rec.clientPort = client.remotePort ?? 0;
  rec.frontendAddress = plainAddress(client.localAddress);
  rec.frontendPort = client.localPort ?? 0;
}

/**
 * `accept-proxy`: the addresses the PROXY header announced are the ones the line names (%ci %cp %fi %fp), as haproxy
 * 2.6.12 logs them; a header without addresses (LOCAL, UNKNOWN) leaves the connection's own.
 */
export function recordAnnounced(rec: LogRecord, a: ProxyAddresses): void {
  rec.clientAddress = plainAddress(a.srcAddress);
  rec.clientPort = a.srcPort;
  rec.frontendAddress = plainAddress(a.dstAddress);
  rec.frontendPort = a.dstPort;
}

function plainAddress(a: string | undefined): string {
  if (a === undefined || a === '') return 'unix';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** What the dial did: the queue and connect moments, the server, the retries. */
export function recordDial(rec: LogRecord, facts: DialFacts, rt: BackendRuntime, connectedAt: number): void {
  rec.backend = rt.index;
  rec.server = facts.server;
  rec.tQueued = facts.begunAt;
  rec.tSlot = facts.slotAt;
  rec.tConnected = connectedAt;
  rec.retries = facts.retries;
  rec.redispatched = facts.redispatched;
  const srv = facts.server < 0 ? undefined : rt.config.servers[facts.server];
  if (srv !== undefined) {
    rec.serverAddress = srv.address;
    rec.serverPort = srv.port;
  }
}

/**
 * `option logasap`: the server connection is up (recordDial done): the line goes now, with what is known (no byte
 * counted yet, Tt up to the connect, %sc with this session on its server). dontlognull does not apply: haproxy
 * 2.6.12 logs a session that has sent nothing yet (measured). The session then logs nothing more.
 */
export function logAsap(line: FrontendLine, rec: LogRecord, rt: BackendRuntime, now: number): void {
  rec.tEnd = now;
  rec.serverConns = rec.server < 0 ? 0 : (rt.serverSlots[rec.server]?.load('curConns') ?? 0);
  line.end(rec, false);
}

/**
 * The server could not be had (`err`, as dispatch rejected): the line of a session that never reached one. With no
 * server to try at all (every one down) haproxy 2.6.12 fails the stream before it reads the client's bytes: for
 * dontlognull that session sent nothing, and it is not logged (measured with the seed config).
 */
export function endWithoutServer(line: FrontendLine, rec: LogRecord, facts: DialFacts, rt: BackendRuntime, err: unknown, now: number): void {
  recordDial(rec, facts, rt, 0);
  rec.tEnd = now;
  rec.termination = dispatchTermination(err);
  finish(line, rec, rt, facts.server < 0);
}

/** The pipe ended: bytes each way and its termination state. `clientBytes` 0 is a null connection (dontlognull). */
export function endPiped(line: FrontendLine, rec: LogRecord, rt: BackendRuntime, termination: string, toClient: number, clientBytes: number, now: number): void {
  rec.tEnd = now;
  rec.termination = termination;
  rec.bytesOut = toClient;
  rec.bytesIn = clientBytes;
  finish(line, rec, rt, clientBytes === 0);
}

function finish(line: FrontendLine, rec: LogRecord, rt: BackendRuntime, nothingFromClient: boolean): void {
  // Read after the server slot went back, as haproxy 2.6.12 logs %sc (0 for a session that was alone on it).
  rec.serverConns = rec.server < 0 ? 0 : (rt.serverSlots[rec.server]?.load('curConns') ?? 0);
  line.end(rec, nothingFromClient);
}
