// The table `help` and the unknown-command answer list: command-table.ts hands CLI_COMMANDS over when it loads, so
// the `help` command (a member of that table) reads it without importing it (no import cycle). Stats thread.

import type { CliCommand } from './cli-command.js';

let table: readonly CliCommand[] = [];

/** Called once, by command-table.ts. */
export function setHelpTable(commands: readonly CliCommand[]): void {
  table = commands;
}

/** Every command orcalb serves (empty until command-table.ts has loaded). */
export function helpTable(): readonly CliCommand[] {
  return table;
}
