// TLS on a health check's connection (§5.2 `check-ssl`, `check-sni`, `check-alpn`; `ssl` servers checked over TLS
// unless `port`/`addr` send checks elsewhere): the handshake over the check's connected TCP socket, with the server's
// TLS settings (verify, ca-file, crt, versions, ciphers) and the check's own SNI and ALPN. A property of the check's
// connection (core/health/probe-tcp.ts connectCheckSocket), so every probe (connect, httpchk, dolphindb-check,
// tcp-check) speaks through it unchanged. The secure context is built once per server config on the health thread.

import type net from 'node:net';
import tls from 'node:tls';
import type { CheckTlsConfig } from '../../config/model.js';
import { serverNameCheck, serverSecureContext } from './server-tls-context.js';

interface CheckTlsClient {
  readonly context: tls.SecureContext;
  readonly nameCheck: ReturnType<typeof serverNameCheck>;
}

/** One compiled client per check config object (the health thread's config lives as long as the thread). */
const clients = new WeakMap<CheckTlsConfig, CheckTlsClient>();

function clientOf(cfg: CheckTlsConfig): CheckTlsClient {
  let c = clients.get(cfg);
  if (c === undefined) {
    c = { context: serverSecureContext(cfg.tls), nameCheck: serverNameCheck(cfg.tls) };
    clients.set(cfg, c);
  }
  return c;
}

/**
 * Starts the TLS handshake of a check over `socket` (connected, or connecting): 'secureConnect' when the server's
 * certificate is accepted, 'error' otherwise. Throws only for a secure context node:tls refuses (the loader built
 * the same one, so not in practice).
 */
export function startCheckTls(socket: net.Socket, cfg: CheckTlsConfig): tls.TLSSocket {
  const c = clientOf(cfg);
  const sni = cfg.sni ?? '';
  return tls.connect({
    socket,
    secureContext: c.context,
    servername: sni,
    rejectUnauthorized: cfg.tls.settings.verify === 'required',
    checkServerIdentity: (_host, cert) => c.nameCheck(sni, cert),
    ...(cfg.alpn === undefined ? {} : { ALPNProtocols: [...cfg.alpn] }),
  });
}
