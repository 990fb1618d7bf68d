// core/cli/cli-line.ts and cli-help.ts, pure: how a runtime API line splits into commands and words (as haproxy
// 2.6.12 reads it: `;` between commands, spaces and tabs between words, `\` for a plain next character, no quotes,
// a trailing CR dropped), the help line layout, the unknown-command frames, and the longest-words dispatch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CliCommand } from '../../core/cli/cli-command.js';
import { findCommand } from '../../core/cli/cli-dispatch.js';
import { helpLine, helpText, unknownCommandText } from '../../core/cli/cli-help.js';
import { splitCommands } from '../../core/cli/cli-line.js';
import { CLI_COMMANDS } from '../../core/cli/command-table.js';

test('a line splits into commands on ; and into words on spaces and tabs', () => {
  assert.deepEqual(splitCommands('get weight be/s1'), [['get', 'weight', 'be/s1']]);
  assert.deepEqual(splitCommands('  show\tinfo  ;show stat;'), [['show', 'info'], ['show', 'stat'], []]);
  assert.deepEqual(splitCommands(''), [[]]);
  assert.deepEqual(splitCommands(';;'), [[], [], []]);
});

test('a backslash makes the next character plain; quotes are characters; a trailing CR is dropped', () => {
  assert.deepEqual(splitCommands('get weight be\\/s1 ; x\\;y\\ z\\\\'), [['get', 'weight', 'be/s1'], ['x;y z\\']]);
  assert.deepEqual(splitCommands('get weight "be/s1"'), [['get', 'weight', '"be/s1"']]);
  assert.deepEqual(splitCommands('show info\r'), [['show', 'info']]);
  assert.deepEqual(splitCommands('trailing\\'), [['trailing\\']]);
});

test('help lines: two spaces, the usage padded to 40, ": ", the text (as 2.6.12 prints them)', () => {
  assert.equal(helpLine('get weight <bk>/<srv>', "report a server's current weight"), "  get weight <bk>/<srv>                   : report a server's current weight\n");
  assert.equal(helpLine('show stat [desc|json|no-maint|typed|up]*', 'x'), '  show stat [desc|json|no-maint|typed|up]*: x\n');
});

test('help lists every command once, alphabetically, help/prompt/quit last', () => {
  const lines = helpText(CLI_COMMANDS, []).split('\n').filter((l) => l !== '');
  assert.equal(lines[0], 'The following commands are valid at this level:');
  const body = lines.slice(1, -3);
  assert.deepEqual(body, [...body].sort());
  assert.equal(new Set(body).size, body.length);
  assert.deepEqual(lines.slice(-3).map((l) => l.trim().split(' ')[0]), ['help', 'prompt', 'quit']);
});

test('unknown commands: the frames of 2.6.12, suggestions bounded', () => {
  assert.match(unknownCommandText(CLI_COMMANDS, []), /^Unknown command\. Please enter one of the following commands only:\n/);
  const fuzzy = unknownCommandText(CLI_COMMANDS, ['zzzz']).split('\n').filter((l) => l !== '');
  assert.equal(fuzzy[0], 'Unknown command, but maybe one of the following ones is a better match:');
  assert.ok(fuzzy.length <= 1 + 5 + 3);
  const show = unknownCommandText(CLI_COMMANDS, ['show']);
  assert.ok(show.split('\n').slice(1, -4).every((l) => l.startsWith('  show ')), 'a known verb lists its commands');
});

test('dispatch takes the longest matching words', () => {
  const mk = (words: string[]): CliCommand => ({ words, level: 'user', run: () => words.join(' ') });
  const table = [mk(['show']), mk(['show', 'servers', 'state']), mk(['show', 'servers'])];
  assert.deepEqual(findCommand(table, ['show', 'servers', 'state', 'be'])?.words, ['show', 'servers', 'state']);
  assert.deepEqual(findCommand(table, ['show', 'servers', 'conn'])?.words, ['show', 'servers']);
  assert.equal(findCommand(table, ['get']), undefined);
  assert.equal(findCommand(table, []), undefined);
});
