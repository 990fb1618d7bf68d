// Runs orcalb's session engines in the test process, with a real shared buffer the test can read: startL7Harness on a
// hand-built Config (one `mode http` frontend in front of one backend, for settings whose config keywords are parsed
// by another part of orcalb: http-request rules, errorfile, originalto, retry-on, cookie), serveConfig on any Config
// (each frontend served by the engine of its mode, as a forwarder thread does). Test-runner thread.

import net from 'node:net';
import type {
  BackendConfig,
  Config,
  CookieConfig,
  FrontendConfig,
  HttpRules,
  ProxyOptions,
  ServerConfig,
  Timeouts,
} from '../../config/model.js';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { buildBackends } from '../../core/forward/backend-runtime.js';
import { startSession, type SessionOutcome } from '../../core/forward/connection-entry.js';
import { compileTcpPrograms } from '../../core/forward/tcp-rules/tcp-rule-program.js';
import { IdleServerPool } from '../../core/forward/l7-idle-pool.js';
import { compileProxyPlans } from '../../core/forward/l7-plans.js';
import { detachSocket, discardFd } from '../../core/accept/fd-handoff.js';
import { DeadlineSweep } from '../../core/io/deadline-sweep.js';
import { SocketIo } from '../../core/io/socket-io.js';
import { StickTables } from '../../core/stick/stick-tables.js';
import { loadNativeAddon } from '../../core/native-addon.js';
import type { SessionEnv } from '../../core/forward/session-env.js';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import type { SharedState } from '../../core/shared/state-buffer.js';
import { captureLogger, seededState, serverConfig, type CapturedLogger } from './check-target.js';
import { defaultProxyOptions } from '../../config/defaults.js';

const SOURCE = { file: 'test.cfg', line: 1 };

export const HTTP_OPTIONS: ProxyOptions = defaultProxyOptions();

export interface L7HarnessSpec {
  readonly serverPorts: readonly number[];
  readonly options?: Partial<ProxyOptions>;
  readonly timeouts?: Timeouts;
  readonly frontendHttp?: HttpRules;
  readonly backendHttp?: HttpRules;
  readonly retryOn?: readonly string[];
  readonly retries?: number;
  readonly server?: Partial<ServerConfig>;
  /** `cookie` line of the backend, and each server's `cookie VALUE` (same order as serverPorts). */
  readonly cookie?: CookieConfig;
  readonly serverCookies?: readonly string[];
}

export interface L7Harness {
  readonly port: number;
  readonly logger: CapturedLogger;
  /** The shared buffer the session runs on (queue and slot counters). */
  readonly state: SharedState;
  close(): Promise<void>;
}

/** An HttpRules value with only what is given. */
export function httpRules(over: Partial<HttpRules>): HttpRules {
  return { request: [], response: [], errorfiles: {}, ...over };
}

/** Listens on 127.0.0.1:0 and serves every connection with runL7Session. Close it in `after`. */
export async function startL7Harness(spec: L7HarnessSpec): Promise<L7Harness> {
  const options: ProxyOptions = { ...HTTP_OPTIONS, ...spec.options };
  const timeouts: Timeouts = { connect: 1000, client: 5000, server: 5000, ...spec.timeouts };
  const servers = spec.serverPorts.map((p, i) => {
    const cookie = spec.serverCookies?.[i];
    return serverConfig(`s${i + 1}`, p, { check: false, ...spec.server, ...(cookie === undefined ? {} : { cookie }) });
  });
  const backend: BackendConfig = {
    source: SOURCE,
    name: 'be',
    section: 'backend',
    mode: 'http',
    balance: { source: SOURCE, algorithm: 'roundrobin', args: NO_ARGS, hashType: { method: 'map-based', function: 'sdbm', avalanche: false } },
    servers,
    healthCheck: { type: 'connect', rules: [] },
    retries: spec.retries ?? 3,
    timeouts,
    options,
    maxconn: 0,
    disabled: false,
    ...(spec.backendHttp === undefined ? {} : { http: spec.backendHttp }),
    ...(spec.retryOn === undefined ? {} : { retryOn: spec.retryOn }),
    ...(spec.cookie === undefined ? {} : { cookie: spec.cookie }),
  };
  const frontend: FrontendConfig = {
    source: SOURCE,
    name: 'fe',
    section: 'frontend',
    mode: 'http',
    binds: [{ source: SOURCE, address: '127.0.0.1', port: 0, acceptProxy: false, text: '127.0.0.1:0' }],
    defaultBackend: 'be',
    maxconn: 0,
    timeouts,
    options,
    disabled: false,
    statsOnly: false,
    ...(spec.frontendHttp === undefined ? {} : { http: spec.frontendHttp }),
  };
  const config: Config = {
    files: ['test.cfg'],
    global: { source: SOURCE, maxconn: 0, log: [], daemon: false, statsSockets: [], statsTimeoutMs: 10_000, statsMaxconn: 10, bufsize: 16384 },
    frontends: [frontend],
    backends: [backend],
  };
  const served = await serveConfig(config);
  return { port: served.ports[0] ?? 0, logger: served.logger, state: served.state, close: served.close };
}

export interface ServedConfig {
  /** The port each frontend listens on (its first bind; port 0 there means an ephemeral one), in config order. */
  readonly ports: readonly number[];
  readonly logger: CapturedLogger;
  readonly state: SharedState;
  close(): Promise<void>;
}

/** How accepted connections reach the sessions: 'fd' (a dup'ed fd, the acceptor's and reuseport-with-addon path) or
 * 'socket' (Node's own socket, `--accept reuseport` without the native addon: SocketIo.attach). */
export type HarnessHandoff = 'fd' | 'socket';

/**
 * Serves every frontend of `config` on its first bind address (127.0.0.1 in tests) through startSession (the
 * forwarder's entry: runL7Session for `mode http`, startL4Session otherwise), as one forwarder thread (thread 0) over a freshly seeded shared buffer. Close it in `after`:
 * close() hard-stops the sessions and destroys their sockets.
 */
export async function serveConfig(config: Config, handoff: HarnessHandoff = 'fd'): Promise<ServedConfig> {
  const addon = loadNativeAddon();
  if (addon === undefined) throw new Error('the native addon is not built (npm install): the harness hands fds over');
  const { state, topology } = seededState(config, 1);
  const accounting = new ConnAccounting(state);
  const logger = captureLogger();
  const stop = new AbortController();
  const env: SessionEnv = {
    state,
    accounting,
    thread: 0,
    frontends: config.frontends,
    backends: buildBackends(config, state, topology, { accounting, thread: 0 }),
    backendByName: new Map(config.backends.map((b, i) => [b.name, i])),
    logger,
    idlePool: new IdleServerPool(),
    stopSignal: stop.signal,
    io: new SocketIo(addon),
    sweep: new DeadlineSweep(),
    liveClients: new Set(),
    stick: (config.stickTables?.length ?? 0) > 0 ? new StickTables(state, topology.stick, 0) : undefined,
    plans: compileProxyPlans(config),
    tcpPrograms: compileTcpPrograms(config),
    bufferLimit: config.global.bufsize - 1024,
  };
  const live = env.liveClients;
  // As workers/forwarder.ts: a connection that cannot be adopted is closed and its admission released.
  const outcome: SessionOutcome = {
    sessionEnded: () => undefined,
    notAdopted: (conn, fe, e) => {
      if (typeof conn === 'number') discardFd(conn);
      else conn.destroy();
      accounting.clientClosed(0, fe);
      logger.log('err', `harness: cannot adopt a connection: ${String(e)}`);
    },
  };
  const servers = config.frontends.map((_fe, index) =>
    // Node's sockets as core/accept/listener-set.ts builds them (no half-open: the session's SocketIo sets it).
    net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
      // Counted as the acceptor admits and a forwarder adopts: the session releases both at close.
      accounting.admitClient(index, 0, 0);
      accounting.clientAdopted(0, index);
      // The fd, as a forwarder receives it from the acceptor, so the session runs its production read path (the
      // forwarder's entry: the engine by mode, connection rules first).
      startSession(env, handoff === 'fd' ? detachSocket(socket, addon.dup) : socket, index, 0, outcome);
    }),
  );
  await Promise.all(
    servers.map((server, index) => {
      const bind = config.frontends[index]?.binds[0];
      // A fixed port may have been taken since the test chose it: fail the setup instead of waiting forever.
      return new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(bind?.port ?? 0, bind?.address ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    }),
  );
  return {
    ports: servers.map((server) => (server.address() as net.AddressInfo).port),
    logger,
    state,
    close: async () => {
      stop.abort();
      for (const s of live) s.destroy();
      env.idlePool.closeAll();
      await Promise.all(servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
    },
  };
}
