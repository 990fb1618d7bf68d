// The runtime API's `add server <bk>/<srv> <addr>[:<port>] [kw…]` and `del server <bk>/<srv>` (HAProxy 2.6
// management.txt §9.3; haproxy 2.6.12 runs them without `experimental-mode on`, measured): the words go to main, the
// keeper of the topology (workers/server-set-control.ts, core/shared/server-slots.ts), which answers in haproxy's
// words. Stats thread.

import type { CliCommand, CliContext } from './cli-command.js';
import type { CliRelayRequest } from './cli-relay.js';

/** haproxy 2.6.12's answer to a first word without `/` (no empty line after it). */
const REQUIRE = "Require 'backend/server'.";

/** Sends one request to main; a relay that fails is an answer, never a throw. */
async function relay(ctx: CliContext, request: CliRelayRequest): Promise<string> {
  try {
    return (await ctx.relay(request)).message ?? '';
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)}\n`;
  }
}

/** `B/S` split at its first slash, or undefined (haproxy: the backend is before it, the server after). */
function split(path: string | undefined): { readonly backend: string; readonly server: string } | undefined {
  const slash = path?.indexOf('/') ?? -1;
  // haproxy 2.6.12 answers an empty server name (`be/`) as a missing slash.
  if (path === undefined || slash < 0 || slash === path.length - 1) return undefined;
  return { backend: path.slice(0, slash), server: path.slice(slash + 1) };
}

export const SERVER_SET_COMMANDS: readonly CliCommand[] = [
  {
    words: ['add', 'server'],
    level: 'admin',
    help: { usage: 'add server <bk>/<srv>', text: 'create a new server' },
    run: (ctx, args) => {
      const target = split(args[0]);
      if (target === undefined) return REQUIRE;
      return relay(ctx, { kind: 'add-server', ...target, args: args.slice(1) });
    },
  },
  {
    words: ['del', 'server'],
    level: 'admin',
    help: { usage: 'del server <bk>/<srv>', text: 'remove a dynamically added server' },
    run: (ctx, args) => {
      const target = split(args[0]);
      if (target === undefined) return REQUIRE;
      return relay(ctx, { kind: 'del-server', ...target });
    },
  },
];
