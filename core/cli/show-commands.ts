// The runtime API's read-only commands (help, prompt, quit, show info|stat|servers|backend|table|errors|threads|
// dolphindb, get weight): they read the shared buffer and the config. Stats thread.

import type { CliCommand } from './cli-command.js';
import { RUNTIME_COMMANDS } from './show-runtime.js';
import { SERVER_COMMANDS } from './show-servers.js';
import { SESSION_COMMANDS } from './show-session.js';
import { STAT_COMMANDS } from './show-stats.js';
import { TABLE_COMMANDS } from './show-table.js';
import { PEERS_COMMANDS } from './show-peers.js';

export const SHOW_COMMANDS: readonly CliCommand[] = [
  ...SESSION_COMMANDS, ...STAT_COMMANDS, ...SERVER_COMMANDS, ...TABLE_COMMANDS, ...PEERS_COMMANDS, ...RUNTIME_COMMANDS,
];
