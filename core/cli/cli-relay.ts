// What the runtime API asks other threads to do, through main (stats thread → main → health thread / forwarders /
// acceptor → main → stats thread). The requests are control messages, never hot-path state queries: state is read
// from the shared buffer. The union grows with the control commands (set server, set maxconn, shutdown session…).

/** A request from a CLI command. */
export type CliRelayRequest =
  /** Placeholder until the control commands land: answered `{ ok: true }` by main. */
  { readonly kind: 'ping' };

/** The answer: ok, HAProxy's message text when there is one, and any data the command prints. */
export interface CliRelayAnswer {
  readonly ok: boolean;
  readonly message?: string;
  readonly data?: unknown;
}
