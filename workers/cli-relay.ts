// Main thread's side of the runtime API relay: a CLI command on the stats thread asks for something only another
// thread may do (the health thread writes server state, the forwarders own their sessions, the acceptor its
// listeners); supervisor.ts receives the `cli-relay` message and calls answerCliRelay, which hands the request to
// its owner and resolves with the answer posted back as `cli-relay-done`. Main thread only.

import type { Config } from '../config/model.js';
import type { CliRelayAnswer, CliRelayRequest, ControlRelayRequest } from '../core/cli/cli-relay.js';
import type { SharedState } from '../core/shared/state-buffer.js';
import { isControlRelay } from './control-relay.js';

/** What main lends the relay: grows with the control commands (the threads to ask, their answers). */
export interface CliRelayDeps {
  readonly config: Config;
  readonly state: SharedState;
  /** The control commands' requests (workers/control-relay.ts: health thread, limits, listeners, forwarders). */
  readonly control: (request: ControlRelayRequest) => Promise<CliRelayAnswer>;
}

/**
 * Answers one relayed request. Never rejects on a bad request: an unknown kind is `{ ok: false }` with a message
 * (a stats thread from another build, or a request the union does not know yet).
 */
export function answerCliRelay(request: CliRelayRequest, deps: CliRelayDeps): Promise<CliRelayAnswer> {
  if (isControlRelay(request)) return deps.control(request);
  switch (request.kind) {
    case 'ping':
      return Promise.resolve({ ok: true });
    default:
      return Promise.resolve({ ok: false, message: `unknown relay request '${String((request as { kind: unknown }).kind)}'` });
  }
}
