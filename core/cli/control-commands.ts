// The runtime API's commands that change state (HAProxy 2.6 management.txt §9.3), with haproxy 2.6.12's syntax,
// levels, help lines and answer texts (measured with socat): here set server|weight, enable|disable
// server|health|agent and clear counters; set maxconn in maxconn-commands.ts, enable|disable frontend in
// frontend-commands.ts, show sess and shutdown session(s) in session-commands.ts, set server addr in
// server-addr-command.ts, add|del server in server-set-commands.ts, orcalb's set dolphindb in dolphindb-commands.ts, the ones not run yet in
// not-yet-commands.ts. Changes go through `relay` to the thread that owns the words (core/shared/layout.ts);
// counters are cleared here (core/shared/clear-counters.ts). An answer is the text before the empty line the CLI
// server adds ("" prints only that line). Stats thread.

import type { CliCommand, CliContext } from './cli-command.js';
import type { ServerCommand } from './cli-relay.js';
import { clearCounters } from '../shared/clear-counters.js';
import { DOLPHINDB_COMMANDS } from './dolphindb-commands.js';
import { FRONTEND_COMMANDS } from './frontend-commands.js';
import { MAXCONN_COMMANDS } from './maxconn-commands.js';
import { NOT_YET_COMMANDS } from './not-yet-commands.js';
import { SESSION_LIST_COMMANDS } from './session-commands.js';
import { SERVER_SET_COMMANDS } from './server-set-commands.js';
import { setServerAddr } from './server-addr-command.js';
import { parseWeightChange } from './server-weight.js';
import { serverByPath } from './show-servers.js';

const SET_SERVER_USAGE =
  'usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n';

/** Sends one server change to the health thread; a relay that fails is an answer, never a throw. */
async function relayServer(ctx: CliContext, backend: string, server: string, command: ServerCommand): Promise<string> {
  try {
    const answer = await ctx.relay({ kind: 'server', backend, server, command });
    return answer.message ?? '';
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)}\n`;
  }
}

/** `set server B/S …`: the verbs orcalb runs; the others answer that they are not available. */
async function setServer(ctx: CliContext, args: readonly string[]): Promise<string> {
  const target = serverByPath(ctx, args[0]);
  if (!target.ok) return target.answer;
  const { be: backend, srv: server } = target;
  const [, verb, value] = args;
  switch (verb) {
    case 'state':
      if (value !== 'ready' && value !== 'drain' && value !== 'maint') return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
      return relayServer(ctx, backend.name, server.name, { op: 'state', value });
    case 'weight':
      return setWeight(ctx, args[0], value);
    case 'health':
    case 'agent':
      if (verb === 'agent') return relayServer(ctx, backend.name, server.name, { op: 'agent', value: 'up' });
      if (value !== 'up' && value !== 'down' && value !== 'stopping') return "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n";
      return relayServer(ctx, backend.name, server.name, { op: 'health', value });
    case 'check-port': {
      if (!server.check) return 'health checks are not enabled on this server';
      if (value === undefined) return 'set server <b>/<s> check-port requires a port.\n';
      if (!/^[+-]?\d+$/.test(value)) return 'provided port is not an integer';
      const port = Number(value);
      if (port < 0 || port > 65535) return 'provided port is invalid';
      return relayServer(ctx, backend.name, server.name, { op: 'check-port', port });
    }
    case 'addr':
      return setServerAddr(ctx, backend, server, args.slice(2));
    // orcalb has no agent checks, no DNS resolution of servers and no TLS to servers yet.
    case 'agent-addr':
    case 'agent-port':
    case 'agent-send':
    case 'check-addr':
    case 'fqdn':
    case 'ssl':
      return `orcalb cannot change a server's ${verb} at run time yet: change it in the configuration and reload.\n`;
    default:
      return SET_SERVER_USAGE;
  }
}

/** `set weight B/S W` and `set server B/S weight W`. */
async function setWeight(ctx: CliContext, word: string | undefined, value: string | undefined): Promise<string> {
  const target = serverByPath(ctx, word);
  if (!target.ok) return target.answer;
  const weight = parseWeightChange(target.be, target.srv, value);
  if (typeof weight !== 'number') return weight.message;
  return relayServer(ctx, target.be.name, target.srv.name, { op: 'weight', weight });
}

type ToggleOp = 'enable-server' | 'disable-server' | 'enable-health' | 'disable-health' | 'enable-agent' | 'disable-agent';

/** `enable|disable server|health|agent B/S`. */
function toggle(op: ToggleOp): CliCommand['run'] {
  return async (ctx, args) => {
    const target = serverByPath(ctx, args[0]);
    if (!target.ok) return target.answer;
    return relayServer(ctx, target.be.name, target.srv.name, { op });
  };
}

export const CONTROL_COMMANDS: readonly CliCommand[] = [
  {
    words: ['set', 'server'],
    level: 'admin',
    help: { usage: 'set server <bk>/<srv> [opts]', text: "change a server's state, weight, address or ssl" },
    run: setServer,
  },
  {
    words: ['set', 'weight'],
    level: 'admin',
    help: { usage: 'set weight <bk>/<srv>  (DEPRECATED)', text: "change a server's weight (use 'set server' instead)" },
    run: (ctx, args) => setWeight(ctx, args[0], args[1]),
  },
  {
    words: ['enable', 'server'],
    level: 'admin',
    help: { usage: 'enable server  (DEPRECATED)', text: "enable a disabled server (use 'set server' instead)" },
    run: toggle('enable-server'),
  },
  {
    words: ['disable', 'server'],
    level: 'admin',
    help: { usage: 'disable server (DEPRECATED)', text: "disable a server for maintenance (use 'set server' instead)" },
    run: toggle('disable-server'),
  },
  { words: ['enable', 'health'], level: 'admin', help: { usage: 'enable health', text: 'enable health checks' }, run: toggle('enable-health') },
  { words: ['disable', 'health'], level: 'admin', help: { usage: 'disable health', text: 'disable health checks' }, run: toggle('disable-health') },
  { words: ['enable', 'agent'], level: 'admin', help: { usage: 'enable agent', text: 'enable agent checks' }, run: toggle('enable-agent') },
  { words: ['disable', 'agent'], level: 'admin', help: { usage: 'disable agent', text: 'disable agent checks' }, run: toggle('disable-agent') },
  {
    words: ['clear', 'counters'],
    level: 'operator',
    help: { usage: 'clear counters [all]', text: 'clear max statistics counters (or all counters)' },
    run: async (ctx, args) => {
      // haproxy 2.6.12: `all` needs admin; any other word is ignored (plain clear).
      const all = args[0] === 'all';
      if (all && ctx.level !== 'admin') return 'Permission denied\n';
      clearCounters(ctx.state, all ? 'all' : 'max');
      if (!all) return '';
      try {
        const answer = await ctx.relay({ kind: 'clear-health-counters' });
        return answer.message ?? '';
      } catch (e) {
        return `${e instanceof Error ? e.message : String(e)}\n`;
      }
    },
  },
  ...MAXCONN_COMMANDS,
  ...FRONTEND_COMMANDS,
  ...SESSION_LIST_COMMANDS,
  ...DOLPHINDB_COMMANDS,
  ...SERVER_SET_COMMANDS,
  ...NOT_YET_COMMANDS,
];
