// The runtime API's help texts as haproxy 2.6.12 prints them: `help` ("The following commands are valid at this
// level:" and one `  <usage padded to 40>: <text>` line per command, alphabetical, `help`/`prompt`/`quit` last),
// and the answer to an unknown command ("Unknown command, but maybe one of the following ones is a better match:"
// with the closest commands, or "Unknown command. Please enter one of the following commands only:" and all of
// them for an empty one). orcalb lists only the commands it serves. The closeness measure is orcalb's own (shared
// leading words first, then letter pairs in common), so the suggestions may differ from haproxy's; the frame and
// the last three lines are the same. Pure; stats thread.

import type { CliCommand } from './cli-command.js';

/** Listed last, in this order, as haproxy does. */
const LAST = ['help', 'prompt', 'quit'];
/** haproxy suggests at most this many commands for an unknown one (besides the last three). */
const MAX_SUGGESTIONS = 5;

/** One `help` line. Pure. */
export function helpLine(usage: string, text: string): string {
  return `  ${usage.padEnd(40)}: ${text}\n`;
}

function listed(commands: readonly CliCommand[]): CliCommand[] {
  const withHelp = commands.filter((c) => c.help !== undefined);
  const key = (c: CliCommand): string => c.help?.usage ?? '';
  const head = withHelp.filter((c) => !LAST.includes(c.words.join(' '))).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const tail = LAST.flatMap((w) => withHelp.filter((c) => c.words.join(' ') === w));
  return [...head, ...tail];
}

function lines(commands: readonly CliCommand[]): string {
  let out = '';
  for (const c of commands) if (c.help !== undefined) out += helpLine(c.help.usage, c.help.text);
  return out;
}

/** `help [words…]`: every listed command, or those whose words start with the given ones (then the last three). */
export function helpText(commands: readonly CliCommand[], words: readonly string[]): string {
  const all = listed(commands);
  if (words.length === 0) return `The following commands are valid at this level:\n${lines(all)}`;
  return `The following commands are valid at this level:\n${lines(closest(all, words))}`;
}

/** The answer to a line whose words name no command. */
export function unknownCommandText(commands: readonly CliCommand[], words: readonly string[]): string {
  const all = listed(commands);
  if (words.length === 0) return `Unknown command. Please enter one of the following commands only:\n${lines(all)}`;
  return `Unknown command, but maybe one of the following ones is a better match:\n${lines(closest(all, words))}`;
}

/**
 * The commands that share the most leading words with `words` (every one of them when the first word is a known
 * verb such as `show`); else the MAX_SUGGESTIONS closest by letter pairs; then help, prompt and quit.
 */
function closest(all: readonly CliCommand[], words: readonly string[]): CliCommand[] {
  const body = all.filter((c) => !LAST.includes(c.words.join(' ')));
  const tail = all.filter((c) => LAST.includes(c.words.join(' ')));
  let best = 0;
  for (const c of body) best = Math.max(best, sharedWords(c.words, words));
  if (best > 0) return [...body.filter((c) => sharedWords(c.words, words) === best), ...tail];
  const typed = pairs(words.join(' '));
  const scored = body.map((c) => ({ c, d: distance(pairs(c.words.join(' ')), typed) }));
  scored.sort((a, b) => a.d - b.d);
  return [...scored.slice(0, MAX_SUGGESTIONS).map((s) => s.c), ...tail];
}

function sharedWords(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** Letter-pair counts of a text (with its ends), for a rough closeness. */
function pairs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const t = ` ${text.slice(0, 64)} `;
  for (let i = 0; i + 1 < t.length; i++) {
    const p = t.slice(i, i + 2);
    out.set(p, (out.get(p) ?? 0) + 1);
  }
  return out;
}

function distance(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const [k, n] of a) d += Math.abs(n - (b.get(k) ?? 0));
  for (const [k, n] of b) if (!a.has(k)) d += n;
  return d;
}
