// Runtime API commands of haproxy 2.6 that orcalb does not run yet (issue 13): each answers what is missing instead
// of HAProxy's "Unknown command", so an operator's script learns the command exists and did nothing. Not listed by
// `help` (that list says what works). Stats thread.
//
// What it still needs: `shutdown frontend` — stopping one proxy for good.

import type { CliCommand, CliLevel } from './cli-command.js';

function notYet(words: readonly string[], level: CliLevel, what: string): CliCommand {
  return { words, level, run: () => `orcalb does not support '${words.join(' ')}' yet: ${what}.\n` };
}

export const NOT_YET_COMMANDS: readonly CliCommand[] = [
  notYet(['shutdown', 'frontend'], 'admin', 'stop orcalb with SIGUSR1 (soft stop) instead'),
];
