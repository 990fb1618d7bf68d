// TLS to one server from one forwarder thread (HAProxy 2.6 §5.2 `ssl`): the secure context compiled once, the `sni`
// expression compiled once and evaluated per connection, the certificate's name check (server-tls-context.ts), and
// the TLS session kept for reuse — the last one this thread got from the server, as HAProxy keeps one per server and
// thread, offered again only with the same SNI, dropped after a failed handshake, never with `no-ssl-reuse`.
// Forwarder threads (one ServerTlsClient per server with `ssl`, built with the backend runtimes).

import type net from 'node:net';
import tls from 'node:tls';
import type { ServerTlsConfig } from '../../config/model.js';
import type { CompileEnv } from '../acl/descriptor.js';
import { FetchContext } from '../acl/fetch-context.js';
import { SMP, Sample, castSample } from '../acl/sample.js';
import { type CompiledExpr, compileSampleExpr } from '../acl/sample-expr.js';
import type { HeadView } from '../http1/head-view.js';
import type { ConnectTarget, ReadSink, SocketIo } from '../io/socket-io.js';
import { serverNameCheck, serverSecureContext } from './server-tls-context.js';

const kClient = Symbol('orcalb.serverTls');
const kSni = Symbol('orcalb.serverTlsSni');

interface ClientSocket extends tls.TLSSocket {
  [kClient]: ServerTlsClient;
  [kSni]: string;
}

// Shared listeners: the socket carries its client, so no closure is made per connection.
function onSession(this: ClientSocket, session: Buffer): void {
  this[kClient].remember(this[kSni], session);
}
function onTlsError(this: ClientSocket): void {
  // A session offered to a server that then failed is not offered again (HAProxy frees it on a connection error).
  this[kClient].forget();
}

/** One scratch context and sample per thread for the `sni` expressions (evaluated one at a time, synchronously). */
let scratch: FetchContext | undefined;
const value = new Sample();

/** What an `sni` expression may read: the request head (HTTP), the client's addresses, the proxies. */
export interface SniFacts {
  readonly frontend: number;
  readonly backend: number;
  readonly head?: HeadView | undefined;
  readonly client?: net.Socket | undefined;
}

export class ServerTlsClient {
  readonly config: ServerTlsConfig;
  private readonly context: tls.SecureContext;
  private readonly alpn: string[] | undefined;
  private readonly nameCheck: ReturnType<typeof serverNameCheck>;
  private readonly sniExpr: CompiledExpr | undefined;
  private session: Buffer | undefined = undefined;
  private sessionSni = '';

  private constructor(config: ServerTlsConfig, sniExpr: CompiledExpr | undefined) {
    this.config = config;
    this.context = serverSecureContext(config);
    this.alpn = config.settings.alpn === undefined ? undefined : [...config.settings.alpn];
    this.nameCheck = serverNameCheck(config);
    this.sniExpr = sniExpr;
  }

  /** Compiles a server's TLS for this thread; an error text when its `sni` does not compile. Never throws. */
  static build(config: ServerTlsConfig, env: CompileEnv): ServerTlsClient | { readonly error: string } {
    let expr: CompiledExpr | undefined;
    if (config.sni !== undefined) {
      const c = compileSampleExpr(config.sni, env);
      if ('error' in c) return c;
      expr = c;
    }
    try {
      return new ServerTlsClient(config, expr);
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The server line has an `sni` expression (else no SNI is ever sent). */
  get hasSni(): boolean {
    return this.sniExpr !== undefined;
  }

  /** The name to send for a connection: the `sni` expression's string value, '' for none (no SNI sent). */
  sniFor(facts: SniFacts): string {
    const expr = this.sniExpr;
    if (expr === undefined) return '';
    const ctx = (scratch ??= new FetchContext());
    ctx.frontend = facts.frontend;
    ctx.backend = facts.backend;
    ctx.head = facts.head;
    const c = facts.client;
    if (c !== undefined) {
      ctx.setSource(c.remoteAddress ?? '', c.remotePort ?? 0);
      ctx.setDestination(c.localAddress ?? '', c.localPort ?? 0);
    }
    ctx.arena.reset();
    expr.begin(false);
    let name = '';
    if (expr.next(ctx, value) && (value.type === SMP.STR || castSample(value, SMP.STR, ctx.arena))) name = value.text();
    ctx.head = undefined;
    return name;
  }

  /**
   * A TLS connection to `target` reading into `sink` through the thread's SocketIo; 'secureConnect' once the
   * handshake is done and the certificate accepted, 'error' otherwise. `sni` '' sends none. `preface` (a PROXY header)
   * goes in clear before the ClientHello.
   */
  connect(io: SocketIo, target: ConnectTarget, sink: ReadSink, sni: string, preface?: Buffer): tls.TLSSocket {
    const session = this.config.reuse && this.session !== undefined && this.sessionSni === sni ? this.session : undefined;
    const check = this.nameCheck;
    const socket = io.connectTls(target, sink, {
      secureContext: this.context,
      servername: sni,
      rejectUnauthorized: this.config.settings.verify === 'required',
      checkServerIdentity: (_host, cert) => check(sni, cert),
      ...(this.alpn === undefined ? {} : { ALPNProtocols: this.alpn }),
      ...(session === undefined ? {} : { session }),
    }, preface) as ClientSocket;
    socket[kClient] = this;
    socket[kSni] = sni;
    if (this.config.reuse) socket.on('session', onSession);
    socket.on('error', onTlsError);
    return socket;
  }

  /** Keeps the server's latest session for the next connection with the same SNI. */
  remember(sni: string, session: Buffer): void {
    this.session = session;
    this.sessionSni = sni;
  }

  forget(): void {
    this.session = undefined;
  }
}

/**
 * A TLS server whose certificate did not match the SNI sent: haproxy 2.6.12 retries such a connection at once, without
 * the turn-around it waits after other connect errors (measured: 3 retries in 2 ms, against 3 s for a chain or a
 * `verifyhost` mismatch). Pure.
 */
export function sniMismatch(socket: net.Socket, e: NodeJS.ErrnoException): boolean {
  const sni = (socket as Partial<ClientSocket>)[kSni];
  return e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && sni !== undefined && sni !== '';
}
