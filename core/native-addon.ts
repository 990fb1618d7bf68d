// Loads orcalb's native addon (build/Release/fd_dup.node, sources in native/) and types what it exports: fd dup for
// the connection handoff, listening sockets the main thread keeps across thread restarts and privilege drop, accepting
// on them without a net.Server (accept-watch), RLIMIT_NOFILE, the forwarders' try-write, the log targets' and sd_notify's datagram sockets, -sf's listener takeover, and the idle trim of resident memory. Any thread may load it
// (each gets its own module instance); callers treat undefined as "not built".

import { createRequire } from 'node:module';

/** getrlimit(RLIMIT_NOFILE); Infinity stands for RLIM_INFINITY. */
export interface FdLimit {
  readonly soft: number;
  readonly hard: number;
}

declare const acceptWatchBrand: unique symbol;
/**
 * An accepting thread's watcher of one listening socket (native/accept-watch.c): an opaque handle. It owns the fd it
 * was given and closes it once (acceptClose, or the thread's end).
 */
export interface AcceptWatch {
  readonly [acceptWatchBrand]: true;
}

/**
 * The addon's functions. Every one throws an Error whose `code` is the errno name (EADDRINUSE…) and whose message
 * is strerror's text, except `dup`, which throws code ERR_FD_DUP (its callers wrap it).
 */
export interface NativeAddon {
  /** A new close-on-exec fd for the same open file (fcntl F_DUPFD_CLOEXEC). */
  readonly dup: (fd: number) => number;
  /** A listening TCP socket (SO_REUSEADDR + SO_REUSEPORT, non-blocking, close-on-exec) on a numeric host. */
  readonly listenTcp: (host: string, port: number, backlog: number) => number;
  /** A listening UNIX stream socket bound at `path` (which must not exist). */
  readonly listenUnix: (path: string, backlog: number) => number;
  /** shutdown(SHUT_RD) on a listening TCP socket: out of LISTEN state, address kept (HAProxy's pause). */
  readonly unlisten: (fd: number) => void;
  /** listen() again after unlisten. */
  readonly relisten: (fd: number, backlog: number) => void;
  readonly getFdLimit: () => FdLimit;
  readonly setFdLimit: (soft: number, hard: number) => void;
  /**
   * One non-blocking send() of buffer[offset, offset+length) on a socket fd: the bytes the kernel took (0 when its
   * buffer is full), or -errno. Never throws on I/O errors. Undefined in a build older than try-write.c: the caller
   * (core/io/try-write.ts) then falls back to fs.writeSync. Bound without the result check the other functions get:
   * it runs once per forwarded chunk, and its C side only ever returns a number.
   */
  readonly tryWrite: ((fd: number, buffer: Buffer, offset: number, length: number) => number) | undefined;
  /**
   * A non-blocking, close-on-exec datagram socket (native/log-send.c): family 1 = AF_UNIX, 4 = IPv4, 6 = IPv6. Throws
   * (errno code). Undefined in a build older than log-send.c: UNIX datagram log targets then cannot be reached.
   */
  readonly dgramOpen: ((family: 1 | 4 | 6) => number) | undefined;
  /**
   * One non-blocking sendto() of buffer[offset, offset+length) to a UNIX path (port -1), an abstract UNIX name
   * without its '@' (port -2), or a numeric address and
   * port: the bytes sent or -errno (-EAGAIN: the sink's buffer is full). Never throws on I/O errors.
   */
  readonly dgramSendTo:
    | ((fd: number, buffer: Buffer, offset: number, length: number, address: string, port: number) => number)
    | undefined;
  /**
   * sendmmsg() of `count` datagrams, datagram i = buffer[spans[2i], +spans[2i+1]): how many went, in order (fewer
   * when the sink filled), or -errno when none did. `connected` 1: on a socket dgramConnect()ed (no address per
   * datagram); a send stopped short then says why: -(errno + 4096 × sent). The log writer's batched send; never
   * throws on I/O errors.
   */
  readonly dgramSendMany:
    | ((fd: number, buffer: Buffer, spans: Int32Array, count: number, address: string, port: number, connected?: number) => number)
    | undefined;
  /**
   * connect() of a datagram socket to a numeric address and port (address '': dissolve it): 0 or -errno. Undefined in
   * a build older than the connected log sends: UDP log targets then stay unconnected.
   */
  readonly dgramConnect: ((fd: number, address: string, port: number) => number) | undefined;
  /**
   * pidfd_open(2) (listener-takeover.c): a pidfd for `pid` (close it with fs.closeSync); throws the errno (ESRCH).
   * Undefined in a build older than listener-takeover.c: `-sf` then binds beside the old process (SO_REUSEPORT).
   */
  readonly pidfdOpen: ((pid: number) => number) | undefined;
  /** pidfd_getfd(2): this process's copy of fd `targetFd` of the pidfd's process; throws the errno (EPERM, EBADF). */
  readonly pidfdGetfd: ((pidfd: number, targetFd: number) => number) | undefined;
  /**
   * Watches listening socket `fd` (taken over: the watcher closes it) on the calling thread's loop, paused; while
   * resumed, libuv calls `onReadable(status)` when connections wait (status < 0: a libuv error). Throws (errno code)
   * when libuv refuses the fd; the fd is then still the caller's.
   */
  readonly acceptWatch: (fd: number, onReadable: (status: number) => void) => AcceptWatch;
  /** Polls again / stops polling (connections then wait in the kernel's queue). No-ops when already so or closed. */
  readonly acceptResume: (w: AcceptWatch) => void;
  readonly acceptPause: (w: AcceptWatch) => void;
  /** Stops for good and closes the watcher's fd (idempotent). */
  readonly acceptClose: (w: AcceptWatch) => void;
  /** One accept4(): the new fd (non-blocking, close-on-exec, now the caller's), or -errno (-EAGAIN: none waiting). */
  readonly acceptOne: (w: AcceptWatch) => number;
  /**
   * native/resident-trim.c: unmaps the resident clean pages of the process's read-only file mappings (they stay in
   * the page cache; the next use is a minor fault) and returns the bytes of mappings advised. Never throws.
   * Undefined in a build older than resident-trim.c, as mallocTrim.
   */
  readonly dropFilePages: (() => number) | undefined;
  /** glibc's malloc_trim(0): every arena's free memory back to the system; true if some was. Never throws. */
  readonly mallocTrim: (() => boolean) | undefined;
}

/**
 * Where `npm install` leaves the addon, relative to this module: dist/core/ when compiled (the normal case: tests and
 * `npm start` run dist/), core/ when a loader runs the .ts file directly.
 */
const ADDON_CANDIDATES = ['../../build/Release/fd_dup.node', '../build/Release/fd_dup.node'] as const;

const requireHere = createRequire(import.meta.url);

/** Wraps one exported function with a run-time type check of its result (require() of a .node file is untyped). */
function fn<R>(mod: object, name: string, check: (out: unknown) => out is R): ((...args: unknown[]) => R) | undefined {
  const f: unknown = Reflect.get(mod, name);
  if (typeof f !== 'function') return undefined;
  return (...args: unknown[]): R => {
    const out: unknown = Reflect.apply(f, undefined, args);
    if (!check(out)) throw new TypeError(`fd_dup.${name} returned ${typeof out}`);
    return out;
  };
}

type NativeTryWrite = (fd: number, buffer: Buffer, offset: number, length: number) => number;

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isVoid = (v: unknown): v is undefined => v === undefined;
const isLimit = (v: unknown): v is FdLimit =>
  typeof v === 'object' && v !== null && 'soft' in v && 'hard' in v && isNumber(v.soft) && isNumber(v.hard);

/** The typed addon, or undefined when the module lacks any function (an older build counts as not built). */
function addonOf(mod: unknown): NativeAddon | undefined {
  if (typeof mod !== 'object' || mod === null) return undefined;
  const dup = fn(mod, 'dup', isNumber);
  const listenTcp = fn(mod, 'listenTcp', isNumber);
  const listenUnix = fn(mod, 'listenUnix', isNumber);
  const unlisten = fn(mod, 'unlisten', isVoid);
  const relisten = fn(mod, 'relisten', isVoid);
  const getFdLimit = fn(mod, 'getFdLimit', isLimit);
  const setFdLimit = fn(mod, 'setFdLimit', isVoid);
  if (!dup || !listenTcp || !listenUnix || !unlisten || !relisten || !getFdLimit || !setFdLimit) return undefined;
  const accept = acceptFunctions(mod);
  if (accept === undefined) return undefined;
  const tryWrite: unknown = Reflect.get(mod, 'tryWrite');
  const dgramOpen = fn(mod, 'dgramOpen', isNumber);
  const pidfdOpen = fn(mod, 'pidfdOpen', isNumber);
  const pidfdGetfd = fn(mod, 'pidfdGetfd', isNumber);
  const dropFilePages = fn(mod, 'dropFilePages', isNumber);
  const mallocTrim = fn(mod, 'mallocTrim', (v: unknown): v is boolean => typeof v === 'boolean');
  // The sends are bound without the result check (as tryWrite): the writer calls them per batch, the C side returns
  // only numbers.
  const dgramSendTo: unknown = Reflect.get(mod, 'dgramSendTo');
  const dgramSendMany: unknown = Reflect.get(mod, 'dgramSendMany');
  const dgramConnect: unknown = Reflect.get(mod, 'dgramConnect');
  return {
    dup: (fd) => dup(fd),
    listenTcp: (host, port, backlog) => listenTcp(host, port, backlog),
    listenUnix: (path, backlog) => listenUnix(path, backlog),
    unlisten: (fd) => unlisten(fd),
    relisten: (fd, backlog) => relisten(fd, backlog),
    getFdLimit: () => getFdLimit(),
    setFdLimit: (soft, hard) => setFdLimit(soft, hard),
    tryWrite: typeof tryWrite === 'function' ? (tryWrite as NativeTryWrite) : undefined,
    dgramOpen: dgramOpen === undefined ? undefined : (family) => dgramOpen(family),
    dgramSendTo: typeof dgramSendTo === 'function' ? (dgramSendTo as NonNullable<NativeAddon['dgramSendTo']>) : undefined,
    dgramSendMany: typeof dgramSendMany === 'function' ? (dgramSendMany as NonNullable<NativeAddon['dgramSendMany']>) : undefined,
    dgramConnect: typeof dgramConnect === 'function' ? (dgramConnect as NonNullable<NativeAddon['dgramConnect']>) : undefined,
    pidfdOpen: pidfdOpen === undefined ? undefined : (pid) => pidfdOpen(pid),
    pidfdGetfd: pidfdGetfd === undefined ? undefined : (pidfd, target) => pidfdGetfd(pidfd, target),
    dropFilePages: dropFilePages === undefined ? undefined : () => dropFilePages(),
    mallocTrim: mallocTrim === undefined ? undefined : () => mallocTrim(),
    ...accept,
  };
}

type AcceptFunctions = Pick<NativeAddon, 'acceptWatch' | 'acceptResume' | 'acceptPause' | 'acceptClose' | 'acceptOne'>;

/**
 * The accept-watch functions, bound without a result check: acceptOne runs once per accepted connection and the C
 * side returns only what its contract says (an external, undefined, or an int32). Undefined when any is missing.
 */
function acceptFunctions(mod: object): AcceptFunctions | undefined {
  const names = ['acceptWatch', 'acceptResume', 'acceptPause', 'acceptClose', 'acceptOne'] as const;
  const out: Partial<Record<(typeof names)[number], unknown>> = {};
  for (const name of names) {
    const f: unknown = Reflect.get(mod, name);
    if (typeof f !== 'function') return undefined;
    out[name] = f;
  }
  return out as AcceptFunctions;
}

/**
 * Loads the addon via createRequire. Returns undefined, never throws, when it is missing or cannot be loaded (the
 * caller then falls back to `--accept reuseport` with Node's own listeners). `addonPath` overrides the search,
 * resolved against this module (the main thread passes ORCALB_FD_DUP_ADDON, and its threads get the same path).
 */
export function loadNativeAddon(addonPath?: string): NativeAddon | undefined {
  const candidates = addonPath === undefined ? ADDON_CANDIDATES : [addonPath];
  for (const candidate of candidates) {
    try {
      const addon = addonOf(requireHere(candidate));
      if (addon !== undefined) return addon;
    } catch {
      // Not built, built for another platform, or not at this path: try the next place.
    }
  }
  return undefined;
}

/** The errno name a native call threw (`EADDRINUSE`…), or undefined for anything else. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}
