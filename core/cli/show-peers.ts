// `show peers [dict|-] [section]` (HAProxy 2.6 management.txt §9.3): the peers thread owns the sessions, so the
// answer is asked of it through main (core/peers/show-peers.ts renders it). Stats thread.

import type { CliCommand } from './cli-command.js';

export const PEERS_COMMANDS: readonly CliCommand[] = [
  {
    words: ['show', 'peers'],
    level: 'user',
    help: { usage: 'show peers [dict|-] [section]', text: 'dump some information about all the peers or this peers section' },
    async run(ctx, args) {
      // `dict` and `-` choose what is dumped of each peer's dictionary cache; orcalb keeps none to dump.
      const words = args[0] === 'dict' || args[0] === '-' ? args.slice(1) : args;
      const section = words[0];
      if (section !== undefined && !(ctx.config.peers ?? []).some((p) => p.name === section)) return '';
      const answer = await ctx.relay({ kind: 'peers', ...(section === undefined ? {} : { section }) });
      return answer.message ?? '';
    },
  },
];
