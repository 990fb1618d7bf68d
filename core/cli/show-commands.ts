// The runtime API's read-only commands (help, prompt, quit, show info|stat|servers|backend|table|errors|threads|
// dolphindb, get weight): they read the shared buffer and the config. Stats thread.

import type { CliCommand } from './cli-command.js';
import { SERVER_COMMANDS } from './show-servers.js';
import { SESSION_COMMANDS } from './show-session.js';

export const SHOW_COMMANDS: readonly CliCommand[] = [...SESSION_COMMANDS, ...SERVER_COMMANDS];
