// HAProxy's soft stop for HTTP sessions (management.txt §4 "soft-stop"): at the stop, every keep-alive client idle
// between requests is closed (within SOFT_STOP_IDLE_MS, for a request already on its way); busy ones finish their
// response (with `connection: close`). Forwarder threads.
// One abort listener per thread's stop signal and a set of the thread's live sessions, instead of a listener (and a
// closure) per session (../shared/perf §5: per-connection state).

/**
 * How long an idle keep-alive client may still send the request already on its way after a soft stop (l7-session-
 * ends.ts onSoftStop): a few deadline ticks, far below any keep-alive timeout, far above a loopback or LAN trip.
 */
export const SOFT_STOP_IDLE_MS = 100;

/** A session the stop reaches. */
export interface SoftStoppable {
  /** The thread is stopping gracefully: close now when idle between requests. */
  onSoftStop(): void;
  /** A reload removed frontend `frontend`: a session of it closes as at a soft stop (its slot drains). */
  onFrontendRemoved(frontend: number): void;
}

const registries = new WeakMap<AbortSignal, Set<SoftStoppable>>();

/** Adds `session` to the sessions `signal` stops (no-op without a signal, or once it has fired). */
export function watchSoftStop(signal: AbortSignal | undefined, session: SoftStoppable): void {
  if (signal === undefined || signal.aborted) return;
  let set = registries.get(signal);
  if (set === undefined) {
    const sessions = new Set<SoftStoppable>();
    set = sessions;
    registries.set(signal, sessions);
    signal.addEventListener(
      'abort',
      () => {
        registries.delete(signal);
        for (const s of [...sessions]) s.onSoftStop();
      },
      { once: true },
    );
  }
  set.add(session);
}

/** Removes `session` (it ended). */
export function unwatchSoftStop(signal: AbortSignal | undefined, session: SoftStoppable): void {
  if (signal !== undefined) registries.get(signal)?.delete(session);
}

/**
 * A reload removed frontend `frontend` (workers/forwarder.ts): its keep-alive clients idle between requests are closed
 * as at a soft stop, the busy ones after their response (l7-session-state.ts stopping()), so its slot drains as an
 * old haproxy process would; the thread's other sessions are untouched.
 */
export function frontendRemoved(signal: AbortSignal | undefined, frontend: number): void {
  const set = signal === undefined ? undefined : registries.get(signal);
  if (set !== undefined) for (const s of [...set]) s.onFrontendRemoved(frontend);
}
