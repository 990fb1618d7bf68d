// The runtime API's commands that change state (set server|weight|maxconn|dolphindb, enable|disable …, clear
// counters, shutdown session(s), add|del server, show sess): they ask the owning thread through `relay`. Stats thread.

import type { CliCommand } from './cli-command.js';

export const CONTROL_COMMANDS: readonly CliCommand[] = [];
