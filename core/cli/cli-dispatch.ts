// Runs one command of a runtime API line: the table entry whose words are the longest prefix of the line's words,
// then HAProxy 2.6.12's refusals (`Permission denied` under the command's level, experimental commands without
// `experimental-mode on`), else the command itself. Unknown words get the help text of cli-help.ts. Stats thread.

import { levelAllows, type CliCommand, type CliContext } from './cli-command.js';
import { unknownCommandText } from './cli-help.js';

/** HAProxy's answer when the socket's level is below the command's (measured on 2.6.12). */
export const PERMISSION_DENIED = 'Permission denied\n';
/** HAProxy's answer to an experimental command before `experimental-mode on`. */
export const EXPERIMENTAL_ONLY = 'This command is restricted to experimental mode only.\n';

/** The command `words` names (longest match of the table's words), or undefined. Pure. */
export function findCommand(commands: readonly CliCommand[], words: readonly string[]): CliCommand | undefined {
  let best: CliCommand | undefined;
  for (const c of commands) {
    if (c.words.length > words.length || (best !== undefined && c.words.length <= best.words.length)) continue;
    let match = true;
    for (let i = 0; i < c.words.length && match; i++) match = c.words[i] === words[i];
    if (match) best = c;
  }
  return best;
}

/**
 * The answer text of one command (without the empty line the server adds); `payload`: the lines after a `<<` line
 * (cli-connection.ts), for the commands that take one. A command that throws is a bug: the
 * client gets its message rather than a dead connection.
 */
export async function runCommand(
  commands: readonly CliCommand[],
  ctx: CliContext,
  words: readonly string[],
  payload?: string,
): Promise<string> {
  const command = findCommand(commands, words);
  if (command === undefined) return unknownCommandText(commands, words);
  if (!levelAllows(ctx.level, command.level)) return PERMISSION_DENIED;
  if (command.experimental === true && !ctx.client.experimental) return EXPERIMENTAL_ONLY;
  try {
    return await command.run(ctx, words.slice(command.words.length), payload);
  } catch (e) {
    return `Internal error: ${e instanceof Error ? e.message : String(e)}\n`;
  }
}
