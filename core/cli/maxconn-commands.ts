// `set maxconn frontend F N`, `set maxconn server B/S N`, `set maxconn global N` (HAProxy 2.6 management.txt §9.3)
// with haproxy 2.6.12's parsing and answers (measured with socat: atoi for frontends and global, strtol with its
// garbage checks for servers). The server's limit goes to the health thread (writer of server words), the others to
// main (writer of the limit words); forwarders and acceptor read them from the buffer. Stats thread.

import type { CliCommand, CliContext } from './cli-command.js';
import type { CliRelayRequest } from './cli-relay.js';
import { serverByPath } from './show-servers.js';

/** C's atoi: leading blanks, a sign, the digits that follow; 0 when there are none. */
function atoi(word: string): number {
  const m = /^\s*([+-]?\d+)/.exec(word);
  return m === null ? 0 : Number(m[1]);
}

async function relay(ctx: CliContext, request: CliRelayRequest): Promise<string> {
  try {
    return (await ctx.relay(request)).message ?? '';
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)}\n`;
  }
}

export const MAXCONN_COMMANDS: readonly CliCommand[] = [
  {
    words: ['set', 'maxconn', 'frontend'],
    level: 'admin',
    help: { usage: 'set maxconn frontend <frontend> <value>', text: "change a frontend's maxconn setting" },
    run: (ctx, [name, value]) => {
      if (name === undefined) return 'A frontend name is expected.\n';
      const frontend = ctx.config.frontends.findIndex((f) => f.name === name && f.retired !== true);
      if (frontend < 0) return 'No such frontend.\n';
      if (value === undefined) return 'Integer value expected.\n';
      const maxconn = atoi(value);
      if (maxconn < 0) return 'Value out of range.\n';
      return relay(ctx, { kind: 'maxconn-frontend', frontend, maxconn });
    },
  },
  {
    words: ['set', 'maxconn', 'global'],
    level: 'admin',
    help: { usage: 'set maxconn global <value>', text: 'change the per-process maxconn setting' },
    run: (ctx, [value]) => {
      if (value === undefined) return 'Expects an integer value.\n';
      // The configured maxconn is the hard limit (haproxy's hardmaxconn); 0 or less sets it back.
      const hard = ctx.config.global.maxconn;
      const v = atoi(value);
      if (hard > 0 && v > hard) return 'Value out of range.\n';
      return relay(ctx, { kind: 'maxconn-global', maxconn: v <= 0 ? hard : v });
    },
  },
  {
    words: ['set', 'maxconn', 'server'],
    level: 'admin',
    help: { usage: 'set maxconn server <bk>/<srv>', text: "change a server's maxconn setting" },
    run: (ctx, [word, value]) => {
      const target = serverByPath(ctx, word);
      if (!target.ok) return target.answer;
      if (value === undefined) return 'Require <maxconn>.\n';
      const m = /^\s*([+-]?\d+)(.*)$/s.exec(value);
      // haproxy 2.6.12 prints these two without the empty line that ends its other answers.
      if (m === null) return 'maxconn string empty or preceded by garbage';
      if (m[2] !== '') return 'Trailing garbage in maxconn string';
      return relay(ctx, { kind: 'server', backend: target.be.name, server: target.srv.name, command: { op: 'maxconn', maxconn: Number(m[1]) } });
    },
  },
];
