// Test support for the runtime API side by side with haproxy 2.6.12: one command line to haproxy's stats socket
// through socat (as operators send it), and the same line through orcalb's command table with a CliContext the test
// builds (its relay reaches main's real path through the ORCALB_TEST_HOOKS `relay` hook, or a thread-side applier in
// process). Until the CLI server (tests/support/cli-client.ts) is merged, this is how the control commands are driven.

import { spawn } from 'node:child_process';
import type { CliContext } from '../../core/cli/cli-command.js';
import { levelAllows } from '../../core/cli/cli-command.js';
import type { CliRelayAnswer, ControlRelayRequest } from '../../core/cli/cli-relay.js';
import { CLI_COMMANDS } from '../../core/cli/command-table.js';
import type { OrcalbProcess } from './orcalb-process.js';
import { within } from './wait.js';

/** One command line to haproxy's stats socket at `socket` through socat; resolves with the answer bytes. */
export function socatLine(socket: string, line: string): Promise<string> {
  const child = spawn('socat', ['-', `UNIX-CONNECT:${socket}`], { stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdin.end(`${line}\n`);
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
  return within(done, 5000, `socat ${line}`);
}

/**
 * orcalb's side of one line: the command table matched longest-words-first, the level checked, the answer followed
 * by the empty line the CLI server adds. Throws for a line no command matches.
 */
export async function orcalbLine(ctx: CliContext, line: string): Promise<string> {
  const words = line.split(' ').filter((w) => w !== '');
  let best: (typeof CLI_COMMANDS)[number] | undefined;
  for (const c of CLI_COMMANDS) {
    if (c.words.every((w, i) => words[i] === w) && c.words.length > (best?.words.length ?? 0)) best = c;
  }
  if (best === undefined) throw new Error(`no orcalb command for ${line}`);
  if (!levelAllows(ctx.level, best.level)) return 'Permission denied\n\n';
  return `${await best.run(ctx, words.slice(best.words.length))}\n`;
}

/**
 * A relay into a running orcalb started with ORCALB_TEST_HOOKS=1: each request goes through main's real path
 * (workers/control-relay.ts) and its answer comes back on stderr.
 */
export function hookRelay(orcalb: OrcalbProcess): (request: ControlRelayRequest) => Promise<CliRelayAnswer> {
  let nextId = 1;
  return async (request) => {
    const id = nextId++;
    orcalb.send(`relay ${id} ${JSON.stringify(request)}`);
    const line = await orcalb.waitForStderr(new RegExp(`test hook: relay answer ${id} (\\{.*\\})`), 5000);
    return JSON.parse(line.slice(line.indexOf('{'))) as CliRelayAnswer;
  };
}
