// The stats page's admin actions on one server (HAProxy 2.6 stats admin form: ready/drain/maint, dhlth/ehlth,
// hrunn/hnolb/hdown, dagent/eagent/arunn/adown, shutdown), as the changes they make to the server's state. They run
// on the health thread, the single writer of server state (core/shared/layout.ts): the stats thread asks through
// the main thread and waits for the answer. Measured on haproxy 2.6.12: leaving MAINT restarts the counter at
// `rise` (the server is UP, "going down" until the next passed check); drain leaves MAINT; agent actions on a
// server without an agent change nothing.

/** Every action the 2.6 form posts, by its `action` value. */
export const ADMIN_ACTIONS = [
  'ready', 'drain', 'maint', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown', 'dagent', 'eagent', 'arunn', 'adown', 'shutdown',
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** True for a known action word. */
export function isAdminAction(word: string): word is AdminAction {
  return (ADMIN_ACTIONS as readonly string[]).includes(word);
}

/**
 * What an action did to one server: 'done' (applied, even when it changed nothing, as HAProxy counts it), 'none'
 * (it does not apply to this server: an agent action without an agent) or 'error' (unknown server).
 */
export type AdminOutcome = 'done' | 'none' | 'error';

/** One request of the stats thread: `action` on the servers named `servers` of backend `backend`. */
export interface AdminRequest {
  readonly backend: string;
  readonly servers: readonly string[];
  readonly action: AdminAction;
}

/** The answer: one outcome per server name, in order. */
export type AdminAnswer = readonly AdminOutcome[];

/**
 * HAProxy's `;st=` code for a request's outcomes: DONE when every server was altered, PART when some were and some
 * failed, ERRP when none was and one failed, NONE when nothing applied. Pure.
 */
export function adminStatusCode(outcomes: AdminAnswer): 'DONE' | 'PART' | 'ERRP' | 'NONE' {
  const done = outcomes.filter((o) => o === 'done').length;
  const errors = outcomes.filter((o) => o === 'error').length;
  if (done > 0) return errors > 0 ? 'PART' : 'DONE';
  return errors > 0 ? 'ERRP' : 'NONE';
}
