// Runtime API commands of haproxy 2.6 that orcalb does not run yet (issue 13): each answers what is missing instead
// of HAProxy's "Unknown command", so an operator's script learns the command exists and did nothing. Not listed by
// `help` (that list says what works). Stats thread.
//
// What each still needs: `add|del server` — server slots the shared buffer does not reserve (the reload issue
// versions the buffer); `shutdown frontend` — stopping one proxy for good.

import type { CliCommand, CliLevel } from './cli-command.js';

function notYet(words: readonly string[], level: CliLevel, what: string): CliCommand {
  return { words, level, run: () => `orcalb does not support '${words.join(' ')}' yet: ${what}.\n` };
}

export const NOT_YET_COMMANDS: readonly CliCommand[] = [
  notYet(['shutdown', 'frontend'], 'admin', 'stop orcalb with SIGUSR1 (soft stop) instead'),
  notYet(['add', 'server'], 'admin', 'the shared state buffer has no spare server slots (limit: the servers of the configuration); add it there and reload'),
  notYet(['del', 'server'], 'admin', 'the shared state buffer has no spare server slots (limit: the servers of the configuration); remove it there and reload'),
];
