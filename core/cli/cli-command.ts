// The runtime API's command table (HAProxy 2.6 "stats socket" CLI, doc/management.txt §9.3): what a command is, the
// access levels, and what a command may use while it runs. Served by the stats thread (core/cli/, workers/stats.ts);
// commands that change state ask the health thread (or the forwarders, the acceptor) through main with `relay`,
// never writing a field another thread owns (core/shared/layout.ts names each field's writer).

import type { Config } from '../../config/model.js';
import type { SharedState } from '../shared/state-buffer.js';
import type { Topology } from '../shared/topology.js';
import type { CliRelayAnswer, CliRelayRequest } from './cli-relay.js';

/** `stats socket … level`: user < operator < admin (HAProxy's ACCESS_LVL_USER/OPER/ADMIN). */
export const CLI_LEVELS = ['user', 'operator', 'admin'] as const;
export type CliLevel = (typeof CLI_LEVELS)[number];

/** True when a client at `have` may run a command that needs `need`. Pure. */
export function levelAllows(have: CliLevel, need: CliLevel): boolean {
  return CLI_LEVELS.indexOf(have) >= CLI_LEVELS.indexOf(need);
}

/** Per client connection state a command may read or change (`prompt`, `experimental-mode on`, `set severity-output`). */
export interface CliClientState {
  interactive: boolean;
  experimental: boolean;
  /** Set by `quit` (or a command that ends the connection): the server closes after writing the answer. */
  quit: boolean;
}

/** What a running command may use. One per client connection; everything in it belongs to the stats thread. */
export interface CliContext {
  readonly config: Config;
  readonly state: SharedState;
  readonly topology: Topology;
  readonly threads: number;
  readonly version: string;
  readonly startedMs: number;
  /** The level of the socket the client connected to. */
  readonly level: CliLevel;
  readonly client: CliClientState;
  /**
   * Asks another thread to do something (through main): the single writers of server state, the forwarders' session
   * lists. Rejects when no answer comes within the relay's limit.
   */
  relay(request: CliRelayRequest): Promise<CliRelayAnswer>;
}

/** One command: the words that name it, the level it needs, its line of `help`, and what it does. */
export interface CliCommand {
  /** Its leading words (`['show', 'servers', 'state']`); the longest table entry matching a line's words wins. */
  readonly words: readonly string[];
  readonly level: CliLevel;
  /** Its `help` line as haproxy 2.6.12 prints it (key and description); undefined = not listed in `help`. */
  readonly help?: { readonly usage: string; readonly text: string };
  /** 2.6's experimental commands (`add server`, `del server`) need `experimental-mode on` first. */
  readonly experimental?: boolean;
  /**
   * Runs the command with the words after `words`. Returns the whole answer text (HAProxy ends each answer with an
   * empty line; the server adds it). Throwing is a bug: a wrong argument is an answer, in HAProxy's words. `payload`:
   * the text after a line ending in `<<` up to an empty line (each line with its LF), for the commands that read one.
   */
  run(ctx: CliContext, args: readonly string[], payload?: string): string | Promise<string>;
}
