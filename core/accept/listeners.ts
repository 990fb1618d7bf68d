// What orcalb listens on: one ListenTarget per address (or UNIX socket) of every frontend `bind` line, with its
// listen() backlog, and HAProxy 2.6.12's alert when one cannot be bound. Read by the main thread (which opens the
// sockets, master-sockets.ts) and by the accepting threads (listener-set.ts).

import { getSystemErrorName } from 'node:util';
import type { Config, SourceRef, UnixSocketConfig } from '../../config/model.js';

export interface ListenTarget {
  readonly frontend: number;
  readonly bind: number;
  readonly frontendName: string;
  readonly source: SourceRef;
  /** Numeric IP; '' for a UNIX socket. */
  readonly address: string;
  /** 0 for a UNIX socket. */
  readonly port: number;
  readonly unix?: UnixSocketConfig;
  /** listen() queue length: `backlog` on the bind line, else the frontend's maxconn (HAProxy's default). */
  readonly backlog: number;
}

/** The kernel caps listen() at net.core.somaxconn anyway; this only keeps an unlimited maxconn a sane number. */
const MAX_BACKLOG = 65535;

/** Every bind line the forwarders serve (stats-only proxies are the stats thread's; disabled ones open nothing). Pure. */
export function listenTargets(config: Config): ListenTarget[] {
  return targetsOf(config, (fe) => !fe.statsOnly);
}

/** Every bind line of the stats-only proxies: the stats thread accepts on them (workers/stats.ts). Pure. */
export function statsTargets(config: Config): ListenTarget[] {
  return targetsOf(config, (fe) => fe.statsOnly);
}

/**
 * Every `stats socket` line: the runtime API the stats thread serves (core/cli/cli-server.ts), named `GLOBAL` in
 * alerts as HAProxy names its CLI frontend. `frontend` is -1 (no proxy); `bind` is the line's index in
 * config.global.statsSockets. Pure.
 */
export function cliTargets(config: Config): ListenTarget[] {
  return config.global.statsSockets.map((s, i) => ({
    frontend: -1,
    bind: i,
    frontendName: 'GLOBAL',
    source: s.source,
    address: s.address,
    port: s.port,
    ...(s.unix === undefined ? {} : { unix: s.unix }),
    // Clients past `stats maxconn` wait in the server's own queue (cli-server.ts), so the kernel's only has to
    // hold a burst of connects.
    backlog: Math.min(MAX_BACKLOG, s.backlog ?? CLI_BACKLOG),
  }));
}

/** listen() queue of a stats socket without `backlog`. */
const CLI_BACKLOG = 1024;

function targetsOf(config: Config, keep: (fe: Config['frontends'][number]) => boolean): ListenTarget[] {
  const out: ListenTarget[] = [];
  config.frontends.forEach((fe, f) => {
    if (fe.disabled || !keep(fe)) return;
    fe.binds.forEach((b, i) => {
      // A bind a reload removed keeps its index in a running Config (config/binds-change.ts) but listens no more.
      if (b.retired !== true) out.push(bindTarget(config, f, i));
    });
  });
  return out;
}

/** The target of bind line `bind` of frontend `frontend` (a reload opening a bind it added). Pure; throws on a bad index. */
export function bindTarget(config: Config, frontend: number, bind: number): ListenTarget {
  const fe = config.frontends[frontend];
  const b = fe?.binds[bind];
  if (fe === undefined || b === undefined) throw new RangeError(`no bind ${bind} in frontend ${frontend}`);
  return {
    frontend,
    bind,
    frontendName: fe.name,
    source: b.source,
    address: b.address,
    port: b.port,
    ...(b.unix === undefined ? {} : { unix: b.unix }),
    backlog: Math.min(MAX_BACKLOG, b.backlog ?? (fe.maxconn > 0 ? fe.maxconn : MAX_BACKLOG)),
  };
}

/** `[127.0.0.1:80]`, `[[::1]:80]` or `[/run/lb.sock]`: how HAProxy names a listener in its alerts. */
export function listenerName(t: ListenTarget): string {
  if (t.unix !== undefined) return `[${t.unix.path}]`;
  const host = t.address.includes(':') ? `[${t.address}]` : t.address;
  return `[${host}:${t.port}]`;
}

/**
 * HAProxy 2.6.12's alert for a listener that cannot be bound, e.g. `Binding [haproxy.cfg:7] for frontend fe: cannot
 * bind socket (Address already in use) for [127.0.0.1:8080]`; `reason` is strerror's text. Pure.
 */
export function bindAlert(t: ListenTarget, reason: string): string {
  const at = `Binding [${t.source.file}:${t.source.line}] for frontend ${t.frontendName}`;
  if (t.unix !== undefined) return `${at}: cannot bind UNIX socket (${reason}) ${listenerName(t)}`;
  return `${at}: cannot bind socket (${reason}) for ${listenerName(t)}`;
}

/**
 * The alert for a listener this thread had to give up because accept() failed in a way that is not transient
 * (`errno` positive: EBADF, ENOTSOCK…), e.g. `Listener [fe.cfg:7] for frontend fe: accept() failed on
 * [127.0.0.1:8080] (EBADF)`. Pure.
 */
export function acceptAlert(t: ListenTarget, errno: number): string {
  return `Listener [${t.source.file}:${t.source.line}] for frontend ${t.frontendName}: accept() failed on ${listenerName(t)} (${getSystemErrorName(-errno)})`;
}

/** strerror's words for the errors Node reports by code (the addon already gives strerror's text). */
export function errnoText(code: string | undefined, fallback: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EACCES':
      return 'Permission denied';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    case 'ENOENT':
      return 'No such file or directory';
    case 'EEXIST':
      return 'File exists';
    default:
      return fallback;
  }
}

/**
 * Why `targets` cannot be served without the addon (no master sockets to keep), or undefined. Without it a UNIX
 * path cannot be shared by the reuseport forwarders, and a port below 1024 would have to be bound again after the
 * privilege drop each time a listener reopens (maxconn or SIGTTOU pause, forwarder restart), which fails. Pure.
 */
export function addonRequired(targets: readonly ListenTarget[], dropsPrivileges: boolean): string | undefined {
  const at = (t: ListenTarget): string => `Binding [${t.source.file}:${t.source.line}] for frontend ${t.frontendName}`;
  const unix = targets.find((t) => t.unix !== undefined);
  if (unix !== undefined) {
    return `${at(unix)}: UNIX socket ${listenerName(unix)} needs the fd-dup addon (npm install builds it). Exiting.`;
  }
  const low = dropsPrivileges ? targets.find((t) => t.port > 0 && t.port < 1024) : undefined;
  if (low === undefined) return undefined;
  return (
    `${at(low)}: port ${listenerName(low)} is below 1024 and 'user'/'group' drop privileges: without the fd-dup ` +
    'addon (npm install builds it) it could not be bound again when a listener reopens. Exiting.'
  );
}
