// The runtime API commands about the client's own session: `help`, `prompt`, `quit`, `experimental-mode` and
// `show cli level`, with haproxy 2.6.12's help lines and answers (measured). Stats thread.

import type { CliCommand, CliContext } from './cli-command.js';
import { helpText } from './cli-help.js';
import { helpTable } from './help-table.js';

/** `help [words…]`: the whole table (help-table.ts), or the commands closest to the words. */
function help(_ctx: CliContext, args: readonly string[]): string {
  return helpText(helpTable(), args);
}

export const SESSION_COMMANDS: readonly CliCommand[] = [
  {
    words: ['help'],
    level: 'user',
    help: { usage: 'help [<command>]', text: 'list matching or all commands' },
    run: help,
  },
  {
    words: ['prompt'],
    level: 'user',
    help: { usage: 'prompt', text: 'toggle interactive mode with prompt' },
    run: (ctx) => {
      ctx.client.interactive = !ctx.client.interactive;
      return '';
    },
  },
  {
    words: ['quit'],
    level: 'user',
    help: { usage: 'quit', text: 'disconnect' },
    run: (ctx) => {
      ctx.client.quit = true;
      return '';
    },
  },
  {
    // Not listed by 2.6.12's help; admin only (measured: "Permission denied" on a user socket).
    words: ['experimental-mode'],
    level: 'admin',
    run: (ctx, args) => {
      const arg = args[0];
      if (arg === undefined) return `experimental-mode is ${ctx.client.experimental ? 'ON' : 'OFF'}\n`;
      if (arg === 'on') ctx.client.experimental = true;
      else if (arg === 'off') ctx.client.experimental = false;
      // haproxy 2.6.12 answers any other word with nothing (measured with socat), and changes nothing.
      return '';
    },
  },
  {
    words: ['show', 'cli', 'level'],
    level: 'user',
    help: { usage: 'show cli level', text: 'display the level of the current CLI session' },
    run: (ctx) => `${ctx.level}\n`,
  },
];
