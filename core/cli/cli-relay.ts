// What the runtime API asks other threads to do, through main (stats thread → main → health thread / forwarders /
// acceptor → main → stats thread). The requests are control messages, never hot-path state queries: state is read
// from the shared buffer. Each kind names the thread that answers it: that thread is the single writer of what the
// request changes (core/shared/layout.ts).

import type { CertUpdate } from '../tls/cert-update.js';

/**
 * A change to one server, applied by the health thread (the single writer of server state, weights, check flags):
 * `set server B/S state|weight|health|agent|check-port`, `set weight`, `enable|disable server|health|agent`.
 */
export type ServerCommand =
  | { readonly op: 'state'; readonly value: 'ready' | 'drain' | 'maint' }
  /** The new user weight, absolute (0..256): the stats thread turns `W%` into it from the initial weight. */
  | { readonly op: 'weight'; readonly weight: number }
  | { readonly op: 'health'; readonly value: 'up' | 'stopping' | 'down' }
  | { readonly op: 'agent'; readonly value: 'up' | 'stopping' | 'down' }
  | { readonly op: 'check-port'; readonly port: number }
  /** `set server B/S addr A [port P]`: the IPv4 address as its word (core/shared/server-address.ts), the port. */
  | { readonly op: 'addr'; readonly addrV4?: number; readonly port?: number }
  /** `set dolphindb B/S score-cost C`: C ×1000 (0..10000). */
  | { readonly op: 'score-cost'; readonly cost: number }
  /** `set maxconn server B/S N` (0 = no limit). */
  | { readonly op: 'maxconn'; readonly maxconn: number }
  | { readonly op: 'enable-server' | 'disable-server' | 'enable-health' | 'disable-health' | 'enable-agent' | 'disable-agent' };

/** A request from a CLI command. */
export type CliRelayRequest =
  /** Answered `{ ok: true }` by main (transport check). */
  | { readonly kind: 'ping' }
  /** Health thread: one server's change; `message` is HAProxy's answer text (empty when it prints nothing). */
  | { readonly kind: 'server'; readonly backend: string; readonly server: string; readonly command: ServerCommand }
  /**
   * Health thread: `clear counters all`'s part in the fields only that thread writes (each server's chkfail and
   * chkdown); the stats thread clears the shared counters itself (core/shared/clear-counters.ts).
   */
  | { readonly kind: 'clear-health-counters' }
  /** Health thread (where dolphindb-discovery runs): its lines for `show dolphindb [B]` (`data`: string[]). */
  | { readonly kind: 'discovery-status'; readonly backend?: string }
  /** Main thread (writer of the limit words): `set maxconn frontend F N` (index in config.frontends), 0 = no limit. */
  | { readonly kind: 'maxconn-frontend'; readonly frontend: number; readonly maxconn: number }
  /** Main thread: `set maxconn global N`, already resolved (0 = no limit). */
  | { readonly kind: 'maxconn-global'; readonly maxconn: number }
  /** Main thread (the listener pause handshake): `enable frontend F` / `disable frontend F` (index in config.frontends). */
  | { readonly kind: 'frontend-state'; readonly frontend: number; readonly enable: boolean }
  /** Main fans out to the forwarders (each holds its sessions) and gathers: `show sess`, `shutdown session(s)`. */
  | { readonly kind: 'sessions'; readonly op: SessionsOp }
  /**
   * Main thread (the keeper of the Config restarted threads get): `commit ssl cert`'s checked content, put in main's
   * Config and in every forwarder's (core/tls/cert-update.ts) before the answer; `data`: the forwarders that applied it.
   */
  | { readonly kind: 'ssl-cert'; readonly update: CertUpdate }
  /**
   * Main thread (the keeper of the topology, core/shared/server-slots.ts): `add server B/S ADDR [kw…]` (`args` are the
   * words after B/S) and `del server B/S`; `message` is haproxy's answer.
   */
  | { readonly kind: 'add-server'; readonly backend: string; readonly server: string; readonly args: readonly string[] }
  | { readonly kind: 'del-server'; readonly backend: string; readonly server: string }
  /** The peers thread (it owns the sessions): `show peers [section]`; `message` is the answer text. */
  | { readonly kind: 'peers'; readonly section?: string };

/**
 * What the forwarders do with their sessions (core/forward/session-registry.ts): list them (`data`: the lines), cut
 * one by id, or cut those on server `server` of backend `backend` (indexes in the config). `data` of a cut: how many.
 */
export type SessionsOp =
  | { readonly op: 'show' }
  | { readonly op: 'shutdown'; readonly id: number }
  | { readonly op: 'shutdown-server'; readonly backend: number; readonly server: number }
  /**
   * Not a session op, but the same ask of every forwarder, gathered the same way (workers/session-asks.ts): take a
   * committed certificate (`commit ssl cert`); `cut` answers 1 from a forwarder that applied it.
   */
  | { readonly op: 'ssl-cert'; readonly update: CertUpdate };

/** The requests main answers itself. */
export type MainRelayRequest = Extract<
  CliRelayRequest,
  { readonly kind: 'maxconn-frontend' | 'maxconn-global' | 'frontend-state' | 'sessions' | 'add-server' | 'del-server' | 'peers' | 'ssl-cert' }
>;

/** The requests of the control commands (core/cli/control-commands.ts): main answers or forwards each. */
export type ControlRelayRequest = HealthRelayRequest | MainRelayRequest;

/** The requests the health thread answers. */
export type HealthRelayRequest = Extract<CliRelayRequest, { readonly kind: 'server' | 'clear-health-counters' | 'discovery-status' }>;

/** The answer: ok, HAProxy's message text when there is one, and any data the command prints. */
export interface CliRelayAnswer {
  readonly ok: boolean;
  readonly message?: string;
  readonly data?: unknown;
}
