// One wake of a natively watched listener (native/accept-watch.c): accept up to ACCEPT_BURST connections, each only
// after the gate reserved room for it under maxconn and the handoff (HAProxy's listener_accept: reserve the slot,
// accept(), give the slot back when nothing was waiting), and sort accept()'s errors as HAProxy 2.6 does
// (sock_accept_conn): nothing waiting ends the burst, a connection aborted before it was accepted is skipped, a
// resource limit (fd, memory) or a socket out of LISTEN state pauses the listener for a while, anything else loses
// it. Acceptor and reuseport forwarder threads. Hot path: one call per accepted connection, no allocation.

import { constants } from 'node:os';
import type { AcceptWatch, NativeAddon } from '../native-addon.js';
import type { ListenTarget } from './listeners.js';

/**
 * At most this many accepts per wake before the thread turns to other work (HAProxy's tune.maxaccept default, 64):
 * a connection storm cannot starve the handoffs and control messages of the accepting thread. libuv polls
 * level-triggered, so the rest is taken on the next loop turn.
 */
export const ACCEPT_BURST = 64;

/** Asked by a native listener around each accept (Admission implements it). */
export interface AcceptGate {
  /**
   * Before accept(): true reserves room for one connection of `target`'s frontend, which the caller then either
   * accepts (accepted) or gives back (release). False: not now; the gate has paused what must wait.
   */
  readonly reserve: (target: ListenTarget) => boolean;
  /** The reservation was not used: nothing was waiting, or accept() failed. */
  readonly release: (target: ListenTarget) => void;
  /** A connection accepted on a reservation: `fd` is the callee's from now on. */
  readonly accepted: (fd: number, target: ListenTarget) => void;
}

/** Why a burst ended: `wait` (nothing waiting, or the gate said no), `backoff` (a limit: retry later), `fatal`. */
export type BurstEnd =
  | { readonly kind: 'wait' }
  | { readonly kind: 'backoff'; readonly errno: number }
  | { readonly kind: 'fatal'; readonly errno: number };

const E = constants.errno;
const WAIT: BurstEnd = { kind: 'wait' };
/**
 * The connection failed between the handshake and accept() (Linux reports its pending network error here): skip it.
 * accept(2): "these should be treated like EAGAIN by retrying".
 */
const SKIP: ReadonlySet<number> = new Set([
  E.ECONNABORTED, E.EPROTO, E.EPERM, E.ENETDOWN, E.ENOPROTOOPT, E.EHOSTUNREACH, E.EOPNOTSUPP,
  E.ENETUNREACH, E.ETIMEDOUT,
]);
/** Limits that free up by themselves (fds, memory) and a socket taken out of LISTEN: pause, retry later. */
const BACKOFF: ReadonlySet<number> = new Set([E.EMFILE, E.ENFILE, E.ENOBUFS, E.ENOMEM, E.EINVAL]);

/**
 * Accepts what waits on `watch`, up to ACCEPT_BURST, while `accepting()` holds (the gate may pause this listener
 * from inside `accepted`). Never throws (the gate's callbacks must not either).
 */
export function acceptBurst(
  addon: NativeAddon,
  watch: AcceptWatch,
  target: ListenTarget,
  gate: AcceptGate,
  accepting: () => boolean,
): BurstEnd {
  for (let i = 0; i < ACCEPT_BURST && accepting(); i++) {
    if (!gate.reserve(target)) return WAIT;
    const fd = addon.acceptOne(watch);
    if (fd >= 0) {
      gate.accepted(fd, target);
      continue;
    }
    gate.release(target);
    const errno = -fd;
    if (errno === E.EAGAIN || errno === E.EWOULDBLOCK) return WAIT;
    if (SKIP.has(errno)) continue;
    return BACKOFF.has(errno) ? { kind: 'backoff', errno } : { kind: 'fatal', errno };
  }
  return WAIT;
}

/**
 * HAProxy 2.6's words for a limit accept() ran into (logged at emerg each time it pauses a listener), or undefined for
 * the others. `maxsock` is the fd budget orcalb started with. Pure.
 */
export function limitMessage(frontendName: string, errno: number, maxsock: number): string | undefined {
  const at = `Proxy ${frontendName} reached`;
  if (errno === E.EMFILE) return `${at} process FD limit (maxsock=${maxsock}). Please check 'ulimit-n' and restart.`;
  if (errno === E.ENFILE) return `${at} system FD limit (maxsock=${maxsock}). Please check system tunables.`;
  if (errno === E.ENOBUFS || errno === E.ENOMEM) {
    return `${at} system memory limit (maxsock=${maxsock}). Please check system tunables.`;
  }
  return undefined;
}
