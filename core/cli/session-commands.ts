// `show sess`, `shutdown session ID`, `shutdown sessions server B/S` (HAProxy 2.6 management.txt §9.3): main asks
// every forwarder (each holds its sessions, core/forward/session-registry.ts) and gathers. A line names a session
// with haproxy's field names where they apply (id, proto, src, fe, be, srv, age) and the forwarder holding it
// (thr); ids are unique across threads. The CLI's own connections live on the stats thread and are not listed.
// Answers and levels as haproxy 2.6.12 (measured with socat). Stats thread.

import type { CliCommand, CliContext } from './cli-command.js';
import type { SessionsOp } from './cli-relay.js';
import { serverByPath } from './show-servers.js';

async function sessions(ctx: CliContext, op: SessionsOp): Promise<unknown> {
  return (await ctx.relay({ kind: 'sessions', op })).data;
}

/** strtoul(…, 0)'s reading of a session id: hex with 0x, octal with 0, else decimal; undefined when not a number. */
function parseId(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(word);
  if (m === null) return undefined;
  const text = m[1] ?? '';
  const n = text.startsWith('0x') || text.startsWith('0X') ? parseInt(text.slice(2), 16) : text.startsWith('0') ? parseInt(text, 8) : Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function failed(e: unknown): string {
  return `${e instanceof Error ? e.message : String(e)}\n`;
}

export const SESSION_LIST_COMMANDS: readonly CliCommand[] = [
  {
    words: ['show', 'sess'],
    level: 'operator',
    help: { usage: 'show sess [id]', text: 'report the list of current sessions or dump this exact session' },
    run: async (ctx, [word]) => {
      try {
        const lines = await sessions(ctx, { op: 'show' });
        const all = Array.isArray(lines) ? lines.filter((l): l is string => typeof l === 'string') : [];
        const id = parseId(word);
        // `show sess ID` (haproxy dumps that one in detail; orcalb prints its line).
        if (id !== undefined && id !== 0) {
          const one = all.find((l) => l.startsWith(`0x${id.toString(16)}:`));
          return one === undefined ? 'Session not found.\n' : `${one}\n`;
        }
        return all.map((l) => `${l}\n`).join('');
      } catch (e) {
        return failed(e);
      }
    },
  },
  {
    words: ['shutdown', 'session'],
    level: 'admin',
    help: { usage: 'shutdown session [id]', text: 'kill a specific session' },
    run: async (ctx, [word]) => {
      const id = parseId(word);
      if (id === undefined || id === 0) return "Session pointer expected (use 'show sess').\n";
      try {
        const cut = await sessions(ctx, { op: 'shutdown', id });
        return cut === 0 ? "No such session (use 'show sess').\n" : '';
      } catch (e) {
        return failed(e);
      }
    },
  },
  {
    words: ['shutdown', 'sessions', 'server'],
    level: 'admin',
    help: { usage: 'shutdown sessions server <bk>/<srv>', text: 'kill sessions on a server' },
    run: async (ctx, [word]) => {
      const target = serverByPath(ctx, word);
      if (!target.ok) return target.answer;
      const backend = target.b;
      const server = target.s;
      try {
        await sessions(ctx, { op: 'shutdown-server', backend, server });
        return '';
      } catch (e) {
        return failed(e);
      }
    },
  },
];
