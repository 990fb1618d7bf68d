// TLS termination on a forwarder thread (manual §5.1 `bind … ssl`): one tls.Server per ssl bind, never listened on,
// is handed each adopted client socket ('connection' event) and runs the handshake on this thread's event loop (no
// extra thread hop). Once secure, the TLS socket goes to the same L4/L7 session a plain connection gets. Failed
// handshakes (garbage, no common cipher, a client gone or too slow: `timeout client` bounds the handshake, as in
// HAProxy) are closed and counted. Session tickets use the keys main made at start, and sessions by id the cache main
// made, both shared by every forwarder, so a session resumes whichever thread gets the next connection. Forwarder
// threads; built once per bind at first use.

import { constants, createHash } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import type { BindTls, FrontendConfig } from '../../config/model.js';
import { connErrorOf, readProxyHeader, type ProxyHeaderRead } from '../proxy-protocol/parse.js';
import { tlsHandshakeError, type ConnError } from '../log/connection-error.js';
import { secureContextOptions } from './tls-context-options.js';
import type { ChangedBind } from './cert-update.js';
import { SniContexts } from './sni-contexts.js';
import { serverContext, TicketKeys } from './session-tickets.js';
import { SessionCache, sessionProtocol, TLS12_SESSION } from './session-cache.js';

/** Node's default handshake bound, kept when the frontend has no `timeout client` (HAProxy would wait forever). */
const NO_CLIENT_TIMEOUT_HANDSHAKE_MS = 120_000;

/** What the forwarder hears of each handshake. */
export interface TlsFrontHooks {
  /**
   * The handshake succeeded: run the session on `socket` (the raw socket now belongs to it). `header`: the PROXY header
   * read in clear before the handshake (`accept-proxy`).
   */
  secured(socket: tls.TLSSocket, fe: number, bind: number, resumed: boolean, header: ProxyHeaderRead | undefined): void;
  /**
   * The handshake did not complete: `raw` is closed. `tlsFailure`: TLS refused it (not TLS, no common version or
   * cipher, strict-sni, a client certificate refused), as opposed to a timeout or a client that left. `error`: how
   * HAProxy names the failure in its connection error line (core/log/connection-error.ts).
   */
  failed(raw: net.Socket, fe: number, bind: number, tlsFailure: boolean, error: ConnError): void;
}

/** One ssl bind's TLS server on this thread. */
export class BindTlsServer {
  readonly server: tls.Server;
  /** Replaced by `commit ssl cert` (replaceCerts); the SNI and ALPN callbacks read it at each handshake. */
  contexts: SniContexts;
  private readonly sessionIdContext: string;
  /** The thread's ticket keys and their handler; undefined with `no-tls-tickets` (or no keys from main). */
  private readonly tickets: TicketKeys | undefined;

  constructor(
    b: BindTls,
    fe: number,
    bind: number,
    frontend: FrontendConfig,
    ticketKeys: TicketKeys | undefined,
    sessions: SessionCache | undefined,
    hooks: TlsFrontHooks,
  ) {
    // One id per bind, the same on every thread: OpenSSL resumes only sessions of the same context.
    this.sessionIdContext = createHash('sha256').update(`orcalb ${frontend.name} ${bind}`).digest('hex').slice(0, 32);
    this.tickets = b.settings.noTlsTickets ? undefined : ticketKeys;
    this.contexts = new SniContexts(b, this.sessionIdContext, this.tickets);
    const verify = b.settings.verify ?? 'none';
    const alpnPerCert = b.certs.some((c) => c.alpn !== undefined);
    const options: tls.TlsOptions = {
      ...this.contextOptions(b),
      handshakeTimeout: (frontend.timeouts.client ?? 0) > 0 ? (frontend.timeouts.client ?? 0) : NO_CLIENT_TIMEOUT_HANDSHAKE_MS,
      requestCert: verify !== 'none',
      // The verdict on the client's certificate is ours (secureConnection below), so every refusal is counted.
      rejectUnauthorized: false,
      // Node's own handler with the same keys, replaced below by the one that renews tickets (session-tickets.ts).
      ...(this.tickets === undefined ? {} : { ticketKeys: this.tickets.bytes }),
    };
    // One certificate without strict-sni: the server's own context (built from that certificate) serves every name,
    // so no SNI callback runs per handshake (a call into JavaScript and a context switch saved on each).
    if (this.contexts.entries.length > 1 || b.strictSni) {
      options.SNICallback = (servername, cb) => {
        const hit = this.contexts.lookup(servername);
        if (hit !== undefined) return cb(null, hit.context);
        if (b.strictSni) return cb(new Error(`strict-sni: no certificate for '${servername}'`), undefined);
        cb(null, this.contexts.entries[0]?.context);
      };
    }
    if (alpnPerCert) {
      options.ALPNCallback = ({ servername, protocols }) => {
        const cert = (servername === undefined ? undefined : this.contexts.lookup(servername)) ?? this.contexts.entries[0];
        const offer = cert?.cert.alpn ?? b.settings.alpn ?? [];
        return offer.find((p) => protocols.includes(p));
      };
    } else if (b.settings.alpn !== undefined) {
      options.ALPNProtocols = [...b.settings.alpn];
    }
    this.server = tls.createServer(options);
    this.attachTickets();
    if (sessions !== undefined) this.shareSessions(sessions);
    this.server.on('secureConnection', (socket: tls.TLSSocket) => {
      const raw = (socket as tls.TLSSocket & { _parent?: net.Socket })._parent;
      // The verdict on the client's certificate (Node finishes the handshake and leaves it to us): `required` closes a
      // client without one, and both `required` and `optional` close one that presents a certificate the CA does not
      // vouch for (as haproxy's verify callback fails the handshake), unless `ca-ignore-err all crt-ignore-err all`.
      // Counted by the raw socket's close below.
      if (verify !== 'none' && !socket.authorized && refusedClient(socket, verify, b.ignoreVerifyErrors === true)) {
        if (raw !== undefined) {
          refused.add(raw);
          causes.set(raw, socket.getPeerX509Certificate() === undefined ? 'sslHandshake' : 'sslCrtFail');
        }
        return void socket.destroy();
      }
      if (raw !== undefined) settled.add(raw);
      // The session serves a client that half-closes after its request (its raw socket was not, for the handshake).
      socket.allowHalfOpen = true;
      hooks.secured(socket, fe, bind, socket.isSessionReused(), raw === undefined ? undefined : headers.get(raw));
    });
    // Not TLS, no common version or cipher, strict-sni without a match, too slow: close. Like haproxy 2.6.12, only a
    // TLS failure counts as a failed handshake (measured): not a timeout nor a client that left.
    this.server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      const raw = (socket as tls.TLSSocket & { _parent?: net.Socket })._parent;
      const code = err.code ?? '';
      if (raw !== undefined && code !== 'ERR_TLS_HANDSHAKE_TIMEOUT' && !/^E[A-Z]+$/.test(code)) refused.add(raw);
      if (raw !== undefined) causes.set(raw, tlsHandshakeError(code, err.message));
      socket.destroy();
    });
    this.fe = fe;
    this.bind = bind;
    this.hooks = hooks;
  }

  private readonly fe: number;
  private readonly bind: number;
  private readonly hooks: TlsFrontHooks;

  /**
   * Session-id resumption through the cache every forwarder shares (core/tls/session-cache.ts), keyed by the bind's
   * session-id context as well, so one bind's sessions never answer another's. Only TLS 1.2 sessions are stored: Node
   * hands TLS 1.3 ones too, but those resume from their tickets (and Node cannot resume TLS 1.3 by id at all).
   */
  private shareSessions(sessions: SessionCache): void {
    const tag = createHash('sha256').update(this.sessionIdContext).digest().readInt32LE(0);
    this.server.on('newSession', (id: Buffer, session: Buffer, done: () => void) => {
      if (sessionProtocol(session) === TLS12_SESSION) sessions.store(tag, id, session);
      done();
    });
    this.server.on('resumeSession', (id: Buffer, answer: (err: Error | null, session: Buffer | null) => void) => {
      answer(null, sessions.lookup(tag, id) ?? null);
    });
  }

  /** The server's own context (OpenSSL asks its ticket handler) takes the renewing one; see session-tickets.ts. */
  private attachTickets(): void {
    const own = serverContext(this.server);
    if (this.tickets !== undefined && own !== undefined) this.tickets.attach(own);
  }

  /** The server's own context options: the default certificate's, the bind's session id context and options. */
  private contextOptions(b: BindTls): tls.SecureContextOptions {
    return {
      // strict-sni: the default context has no certificate, so a client without a known name fails the handshake.
      ...secureContextOptions(b, b.strictSni ? undefined : b.certs[0]),
      sessionIdContext: this.sessionIdContext,
      // As HAProxy: no renegotiation (a client could make the server redo expensive handshakes on one connection).
      secureOptions: constants.SSL_OP_NO_RENEGOTIATION | (b.settings.noTlsTickets ? constants.SSL_OP_NO_TICKET : 0),
    };
  }

  /**
   * `commit ssl cert`: the bind's certificates changed (`b`, the thread's Config after core/tls/cert-update.ts). New
   * handshakes get contexts built from them; a session already secured keeps its own (OpenSSL holds the old context
   * for it), and the ticket keys stay, so tickets issued before still resume. Throws when OpenSSL refuses the new
   * PEM (the stats thread checked it first).
   */
  replaceCerts(b: BindTls): void {
    const contexts = new SniContexts(b, this.sessionIdContext, this.tickets);
    this.server.setSecureContext(this.contextOptions(b));
    this.attachTickets();
    this.contexts = contexts;
  }

  /**
   * Starts the handshake on an adopted client socket. Exactly one hook hears how it ends: secured, or failed when
   * the raw socket closes before (whatever closed it: an alert, a timeout, the client, a hard stop).
   */
  handshake(raw: net.Socket): void {
    // node:tls gives the TLS socket the raw one's half-open setting. Until the handshake is done a FIN can only mean
    // the client gave up (wrk's address probe: connect, then close): Node must close it then, as haproxy does, not
    // hold it half-open until the handshake timeout ("Connection closed during SSL handshake" in the log, as haproxy).
    // The TLS socket, which copies this setting, is made half-open again once secured (below).
    raw.allowHalfOpen = false;
    raw.once('close', () => {
      if (settled.has(raw)) return;
      settled.add(raw);
      this.hooks.failed(raw, this.fe, this.bind, refused.has(raw), causes.get(raw) ?? tlsHandshakeError(undefined));
    });
    this.server.emit('connection', raw);
  }

  /**
   * `accept-proxy` on an ssl bind: the PROXY header comes in clear before the ClientHello (as haproxy reads it), within
   * `timeoutMs` (`timeout client`), then the handshake runs on what follows. A bad or missing header closes the
   * client (haproxy's behaviour), heard as a failed hook that is not a TLS failure.
   */
  handshakeAfterProxy(raw: net.Socket, timeoutMs: number | undefined): void {
    readProxyHeader(raw, timeoutMs).then(
      (got) => {
        if (raw.destroyed) return this.hooks.failed(raw, this.fe, this.bind, false, tlsHandshakeError(undefined));
        headers.set(raw, got);
        // node:tls feeds a socket's buffered bytes to the handshake when it wraps it.
        if (got.rest.length > 0) raw.unshift(got.rest);
        this.handshake(raw);
      },
      (e: unknown) => this.hooks.failed(raw, this.fe, this.bind, false, connErrorOf(e)),
    );
  }
}

/** The PROXY headers read before handshakes still under way (accept-proxy). */
const headers = new WeakMap<net.Socket, ProxyHeaderRead>();

/** Whether a client whose certificate is not authorized is refused (see the 'secureConnection' listener). */
function refusedClient(socket: tls.TLSSocket, verify: 'optional' | 'required', ignoreErrors: boolean): boolean {
  const presented = socket.getPeerX509Certificate() !== undefined;
  if (!presented) return verify === 'required';
  return !ignoreErrors;
}

/** Raw sockets whose handshake ended (secured or failed): each is reported once. */
const settled = new WeakSet<net.Socket>();
/** Raw sockets whose handshake TLS itself refused (an alert, a refused client certificate), not a timeout or a close. */
const refused = new WeakSet<net.Socket>();
/** Raw sockets whose handshake failed with a known cause (a TLS error, a refused certificate, a timeout). */
const causes = new WeakMap<net.Socket, ConnError>();

/**
 * This thread's TLS servers, one per ssl bind, built at start (contexts are parsed once per thread) and again for a
 * bind a reload adds or whose certificates or settings it changes (rebuild).
 */
export class TlsFronts {
  /** By frontend, then bind index; undefined for a plain bind. */
  private readonly servers: (BindTlsServer | undefined)[][];
  private readonly frontends: readonly FrontendConfig[];
  private readonly ticketKeys: TicketKeys | undefined;
  private readonly sessions: SessionCache | undefined;
  private readonly hooks: TlsFrontHooks;

  constructor(frontends: readonly FrontendConfig[], ticketKeys: Uint8Array | undefined, sessions: SharedArrayBuffer | undefined, hooks: TlsFrontHooks) {
    this.frontends = frontends;
    this.ticketKeys = ticketKeys === undefined ? undefined : new TicketKeys(ticketKeys);
    this.sessions = sessions === undefined ? undefined : new SessionCache(sessions);
    this.hooks = hooks;
    this.servers = frontends.map((f, fe) => f.binds.map((_b, bind) => this.build(fe, bind)));
  }

  /**
   * A reload changed bind `bind` of frontend `fe` (added, new certificates, ssl added or taken away): the next
   * handshakes run on a server built from the frontend's config as it is now; the sessions already secured keep the
   * context they were made with. Throws what node:tls throws for a bad key or certificate (nothing replaced then).
   */
  rebuild(fe: number, bind: number): void {
    const server = this.build(fe, bind);
    const row = this.servers[fe] ?? [];
    this.servers[fe] = row;
    row[bind] = server;
  }

  private build(fe: number, bind: number): BindTlsServer | undefined {
    const f = this.frontends[fe];
    const b = f?.binds[bind];
    return f === undefined || b?.tls === undefined ? undefined : new BindTlsServer(b.tls, fe, bind, f, this.ticketKeys, this.sessions, this.hooks);
  }

  /** Whether any bind of the config is ssl (the forwarder skips this module entirely otherwise). */
  static needed(frontends: readonly FrontendConfig[]): boolean {
    return frontends.some((f) => f.binds.some((b) => b.tls !== undefined));
  }

  /** `commit ssl cert`: each changed bind's server takes its new certificates (new handshakes only). */
  replaceCerts(changed: readonly ChangedBind[]): void {
    for (const c of changed) this.servers[c.fe]?.[c.bind]?.replaceCerts(c.tls);
  }

  /** The ssl bind's server, or undefined for a plain bind. */
  serverFor(fe: number, bind: number): BindTlsServer | undefined {
    return this.servers[fe]?.[bind];
  }
}
