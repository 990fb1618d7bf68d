// The plain L4 health check (`check` with no check option, manual §5.2): connect to addr:port, optionally write the
// PROXY header (`check-send-proxy`), close. Also the connect step `option tcp-check` reuses: endpoint choice,
// deadline, errno texts and HAProxy's hard close. Runs on the health-check thread.

import net from 'node:net';
import type tls from 'node:tls';
import { getSystemErrorMessage } from 'node:util';
import type { CheckTlsConfig, ServerConfig } from '../../config/model.js';
import { startCheckTls } from '../tls/check-tls.js';
import { outgoingAddresses } from '../proxy-protocol/addresses.js';
import { type ProxyHeaderSetting, serverProxyHeader } from '../proxy-protocol/server-header.js';
import { CHECK_STATUS, type CheckStatusSpec } from './check-status.js';
import type { CheckDeadlines } from './scheduler.js';

/** What one probe found: the status and HAProxy's `info:` text ('' when HAProxy prints none). */
export interface ProbeResult {
  readonly status: CheckStatusSpec;
  readonly info: string;
  /** The layer-7 status code logged as `, code: N` (the HTTP status for httpchk); 0 when absent. */
  readonly code?: number;
}

export interface CheckEndpoint {
  readonly host: string;
  readonly port: number;
  /** The check runs over TLS (`check-ssl`, or an `ssl` server): the handshake is part of the connect. */
  readonly tls?: CheckTlsConfig | undefined;
  /** Over TLS with `check-send-proxy`: the PROXY header goes in clear before the handshake (haproxy's order). */
  readonly proxyFirst?: CheckProxySetting | undefined;
}

/** What of a server decides its checks' PROXY header. */
export type CheckProxySetting = Pick<ServerConfig, 'sendProxy' | 'proxyV2Ssl'>;
type CheckedServer = Pick<ServerConfig, 'address' | 'port' | 'checkAddr' | 'checkPort' | 'checkTls' | 'checkSendProxy' | 'sendProxy' | 'proxyV2Ssl'>;

/** Where checks of a server go: `addr` and `port` on the server line win over the traffic address. Pure. */
export function checkEndpoint(server: CheckedServer): CheckEndpoint {
  const at = { host: server.checkAddr ?? server.address, port: server.checkPort ?? server.port };
  if (server.checkTls === undefined) return at;
  return server.checkSendProxy ? { ...at, tls: server.checkTls, proxyFirst: server } : { ...at, tls: server.checkTls };
}

/** The probe writes the PROXY header once connected: `check-send-proxy` on a plain check (over TLS it went first). */
export function proxyAfterConnect(server: Pick<ServerConfig, 'checkSendProxy' | 'checkTls'>): boolean {
  return server.checkSendProxy && server.checkTls === undefined;
}

/**
 * The header HAProxy 2.6 writes first on a check connection: v1 (also for `check-send-proxy` alone) announces the
 * check socket itself (src = our end, dst = the server); v2 sends a LOCAL header (no addresses), as HAProxy does for
 * locally initiated connections, with the empty SSL TLV under `send-proxy-v2-ssl[-cn]`. Call once connected. Allocates.
 */
export function checkProxyHeader(socket: net.Socket, server: CheckProxySetting): Buffer {
  const v2 = server.sendProxy === 'v2';
  const setting: ProxyHeaderSetting = v2 ? server : { sendProxy: 'v1' };
  return serverProxyHeader(setting, v2 ? undefined : outgoingAddresses(socket), undefined) as Buffer;
}

/**
 * The text HAProxy puts after `info: "` for a socket error: glibc's strerror ("Connection refused"). libuv's
 * messages are the same words in lower case, so the first letter is raised. '' when there is no errno.
 */
export function errnoText(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const errno: unknown = (err as { errno?: unknown }).errno;
  if (typeof errno !== 'number' || errno === 0) return '';
  let text: string;
  try {
    text = getSystemErrorMessage(errno < 0 ? errno : -errno);
  } catch {
    return '';
  }
  return text.length === 0 ? '' : text.charAt(0).toUpperCase() + text.slice(1);
}

export type ConnectOutcome =
  | { readonly ok: true; readonly socket: net.Socket }
  | { readonly ok: false; readonly status: CheckStatusSpec; readonly errText: string };

/**
 * Opens a check connection bounded by `timeoutMs`: resolves `{ok: true}` once established, or L4CON (refused,
 * unreachable: errText = strerror), L4TOUT (deadline, errText ''), SOCKERR (could not even try). Never rejects.
 * On failure the socket is already destroyed. An abort of `signal` reads as a timeout.
 */
export function connectCheckSocket(endpoint: CheckEndpoint, timeoutMs: number, signal?: AbortSignal): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    let socket: net.Socket;
    try {
      socket = net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    } catch (err) {
      resolve({ ok: false, status: CHECK_STATUS.SOCKERR, errText: errnoText(err) });
      return;
    }
    let settled = false;
    // TLS (endpoint.tls): the handshake runs once TCP is up, within the same deadline (L6TOUT / L6RSP, as HAProxy).
    let secure: tls.TLSSocket | undefined;
    const finish = (outcome: ConnectOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      secure?.off('secureConnect', onSecure);
      secure?.off('error', onTlsError);
      if (!outcome.ok) {
        secure?.on('error', ignoreError);
        secure?.destroy();
        socket.destroy();
      }
      resolve(outcome);
    };
    const onSecure = (): void => finish({ ok: true, socket: secure as tls.TLSSocket });
    const onTlsError = (err: Error): void => finish({ ok: false, status: CHECK_STATUS.L6RSP, errText: tlsErrorText(err) });
    const onConnect = (): void => {
      const cfg = endpoint.tls;
      if (cfg === undefined) return finish({ ok: true, socket });
      socket.off('error', onError);
      try {
        // Queued on the TCP socket before TLS is layered on it: the header leaves first.
        if (endpoint.proxyFirst !== undefined) socket.write(checkProxyHeader(socket, endpoint.proxyFirst));
        secure = startCheckTls(socket, cfg);
      } catch (err) {
        return finish({ ok: false, status: CHECK_STATUS.SOCKERR, errText: err instanceof Error ? err.message : '' });
      }
      secure.once('secureConnect', onSecure);
      secure.once('error', onTlsError);
    };
    const onError = (err: Error): void => finish({ ok: false, status: CHECK_STATUS.L4CON, errText: errnoText(err) });
    const onAbort = (): void => finish({ ok: false, status: secure === undefined ? CHECK_STATUS.L4TOUT : CHECK_STATUS.L6TOUT, errText: '' });
    const timer = setTimeout(onAbort, Math.max(0, timeoutMs));
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Closes a finished check connection the way HAProxy 2.6 does: connections to servers carry a "linger risk" and are
 * closed with SO_LINGER 0, i.e. a RST, unless the server already closed its side (then a plain close/FIN).
 * `graceful` forces a FIN (HAProxy was measured to end a check-send-proxy check with a FIN). Does not throw.
 */
export function closeCheckSocket(socket: net.Socket, graceful: boolean): void {
  // A late error on a socket we are dropping must not become an uncaught exception.
  socket.on('error', () => undefined);
  // A TLS socket has no TCP handle of its own to reset (node:tls refuses): closed at once.
  if (graceful || socket.readableEnded || socket.destroyed || Reflect.get(socket, 'encrypted') === true) {
    socket.destroy();
    return;
  }
  socket.resetAndDestroy();
}

/**
 * The plain L4 check: L4OK once connected (and, with `checkSendProxy`, once the PROXY header is written); L4CON
 * with the errno text; L4TOUT after `deadlines.connectMs`. HAProxy's pure connect check never lets the handshake's
 * last ACK out (TCP_QUICKACK off) and resets, so the server application sees nothing; Node cannot hold that ACK,
 * so the server accepts and then sees a RST. Never rejects.
 */
export async function probeTcp(
  server: CheckedServer,
  deadlines: CheckDeadlines,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const conn = await connectCheckSocket(checkEndpoint(server), deadlines.connectMs, signal);
  if (!conn.ok) return { status: conn.status, info: conn.errText };
  const socket = conn.socket;
  // Over TLS, HAProxy's connect check passes at layer 6 once the handshake is done.
  const passed = server.checkTls === undefined ? CHECK_STATUS.L4OK : CHECK_STATUS.L6OK;
  if (!proxyAfterConnect(server)) {
    closeCheckSocket(socket, false);
    return { status: passed, info: '' };
  }
  let header: Buffer;
  try {
    header = checkProxyHeader(socket, server);
  } catch (err) {
    // Only an address Node reports but the encoder refuses gets here; the check cannot speak, so it fails.
    closeCheckSocket(socket, false);
    return { status: CHECK_STATUS.SOCKERR, info: err instanceof Error ? err.message : '' };
  }
  const written = await new Promise<Error | undefined>((resolve) => {
    socket.once('error', resolve);
    socket.write(header, (err) => resolve(err ?? undefined));
  });
  closeCheckSocket(socket, written === undefined);
  // A write error after the connection was up is HAProxy's "I/O error after connection was established".
  return written === undefined
    ? { status: passed, info: '' }
    : { status: CHECK_STATUS.SOCKERR, info: errnoText(written) };
}

function ignoreError(): void {
  // The socket is being dropped; its late error no longer matters.
}

/**
 * The info text of a failed check handshake, as haproxy 2.6.12 words it (measured): a certificate whose name is not
 * the expected one, or any other handshake failure (chain, protocol, garbage); a reset keeps its strerror.
 */
function tlsErrorText(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'Server presented an SSL certificate different from the expected one';
  const errno = errnoText(err);
  return errno !== '' ? errno : 'SSL handshake failure';
}
