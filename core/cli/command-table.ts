// Every runtime API command orcalb serves, in `help` order: the read-only ones (show-commands.ts) and those that
// change state (control-commands.ts), and the certificates' (ssl-cert-commands.ts). Stats thread.

import type { CliCommand } from './cli-command.js';
import { CONTROL_COMMANDS } from './control-commands.js';
import { setHelpTable } from './help-table.js';
import { SHOW_COMMANDS } from './show-commands.js';
import { SSL_CERT_COMMANDS } from './ssl-cert-commands.js';

export const CLI_COMMANDS: readonly CliCommand[] = [...SHOW_COMMANDS, ...CONTROL_COMMANDS, ...SSL_CERT_COMMANDS];
setHelpTable(CLI_COMMANDS);
