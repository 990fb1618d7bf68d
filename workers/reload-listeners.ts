// A reload's listener changes (workers/reload.ts, config/binds-change.ts): the new binds opened as main's master
// sockets before anything of the reload is applied, then, once every forwarder has heard of the new bind lines, the
// acceptor told to poll them and to stop and close the removed ones, whose master sockets main closes last. An
// unchanged bind is never touched. Acceptor mode only (under `--accept reuseport` every forwarder would have to open
// its own socket of each group: refused). Main thread; no hot path.

import type { Worker } from 'node:worker_threads';
import type { ListenTarget } from '../core/accept/listeners.js';
import type { MasterSockets } from '../core/accept/master-sockets.js';
import { asReport, type ControlMessage } from './messages.js';

/** How long the acceptor has to confirm a listener change. */
const ACK_TIMEOUT_MS = 5000;

/** A bind line by its frontend and its index there. */
export interface BindRef {
  readonly frontend: number;
  readonly bind: number;
}

/**
 * Opens the master sockets of the binds a reload adds (`masters` undefined: no master sockets, or the forwarders
 * accept for themselves). Returns why not, one line each (haproxy's `Binding [...]` alerts), with nothing opened; []
 * when done. Never throws.
 */
export function openReloadBinds(masters: MasterSockets | undefined, targets: readonly ListenTarget[]): readonly string[] {
  if (targets.length === 0) return [];
  if (masters === undefined) return ['binds added while every forwarder accepts for itself (--accept reuseport): not applied in place'];
  const opened = masters.add(targets);
  return opened.ok ? [] : opened.alerts;
}

export interface ListenerChangeContext {
  readonly masters: MasterSockets | undefined;
  readonly acceptor: Worker | undefined;
  /** Resolves once every forwarder has handled the messages posted to it before (the new bind lines). */
  forwardersHeard(): Promise<void>;
}

/**
 * After the new bind lines were posted: the acceptor accepts on the `added` binds (opened by openReloadBinds) and
 * closes its listeners of the `removed` ones, then main closes their master sockets (connections in their kernel
 * queue then are reset, as at a haproxy reload; the ones accepted before go on). Waiting for the forwarders first
 * means none is handed a connection of a bind it has not heard of. Resolves with an alert when a step was not
 * confirmed; never rejects.
 */
export async function changeReloadListeners(ctx: ListenerChangeContext, added: readonly ListenTarget[], removed: readonly BindRef[]): Promise<string | undefined> {
  const { masters, acceptor } = ctx;
  if (masters === undefined || added.length + removed.length === 0) return undefined;
  await ctx.forwardersHeard();
  const keys = new Set(added.map((t) => `${t.frontend}/${t.bind}`));
  const plan = masters.plan();
  const rows = plan.targets.flatMap((t, i) => (keys.has(`${t.frontend}/${t.bind}`) ? [{ t, fd: plan.fds?.[0]?.[i] }] : []));
  // No acceptor only while stopping: a dead one is replaced at once, on the masters of now.
  const answer = acceptor === undefined ? { alert: 'no acceptor running' } : await acceptorChange(acceptor, {
    type: 'listeners-change',
    add: { targets: rows.map((r) => r.t), fds: [rows.map((r) => r.fd ?? -1)] },
    remove: removed,
  });
  for (const r of [...removed, ...(answer.failed ?? [])]) masters.remove(r.frontend, r.bind);
  return answer.alert;
}

interface AcceptorAnswer {
  readonly alert?: string;
  /** New listeners the acceptor could not watch: their sockets are closed too. */
  readonly failed?: readonly BindRef[];
}

/** Posts the change and resolves with the acceptor's answer, or an alert when it did not answer. */
function acceptorChange(acceptor: Worker, msg: ControlMessage): Promise<AcceptorAnswer> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done({ alert: 'the acceptor did not confirm the listener change' }), ACK_TIMEOUT_MS);
    const onMessage = (m: unknown): void => {
      const r = asReport(m);
      if (r?.type === 'listeners-changed') done(r);
    };
    const done = (answer: AcceptorAnswer): void => {
      clearTimeout(timer);
      acceptor.off('message', onMessage);
      resolve(answer);
    };
    acceptor.on('message', onMessage);
    acceptor.postMessage(msg);
  });
}
