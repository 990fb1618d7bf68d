// Main thread's side of the runtime API requests it relays to the health thread (core/cli/cli-relay.ts
// HealthRelayRequest): each gets an id, the health thread's answer settles it, and a health thread that dies or stays silent
// answers every open request with an error instead of leaving a CLI client waiting. Main thread only.

import type { Worker } from 'node:worker_threads';
import type { CliRelayAnswer, HealthRelayRequest } from '../core/cli/cli-relay.js';
import type { CliHealthDoneMessage, CliHealthMessage } from './messages.js';

/** A request the health thread does not answer within this gets an error answer. */
const ASK_TIMEOUT_MS = 5000;
const UNANSWERED: CliRelayAnswer = { ok: false, message: 'The health-check thread did not answer; try again.\n' };

export class HealthAsks {
  readonly #open = new Map<number, (answer: CliRelayAnswer) => void>();
  #nextId = 1;

  /** Posts `request` to `health` (undefined while it restarts: answered at once) and resolves with its answer. */
  ask(health: Worker | undefined, request: HealthRelayRequest): Promise<CliRelayAnswer> {
    if (health === undefined) return Promise.resolve(UNANSWERED);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(UNANSWERED), ASK_TIMEOUT_MS);
      const settle = (answer: CliRelayAnswer): void => {
        clearTimeout(timer);
        this.#open.delete(id);
        resolve(answer);
      };
      this.#open.set(id, settle);
      const msg: CliHealthMessage = { type: 'cli-health', id, request };
      health.postMessage(msg);
    });
  }

  /** The health thread answered. */
  settle(done: CliHealthDoneMessage): void {
    this.#open.get(done.id)?.(done.answer);
  }

  /** The health thread died: its open requests will never be answered. */
  failAll(): void {
    for (const settle of [...this.#open.values()]) settle(UNANSWERED);
  }
}
