// `enable frontend F` / `disable frontend F` (HAProxy 2.6 management.txt §9.3): main pauses the frontend's listeners
// as SIGTTOU pauses all of them (out of LISTEN, connects refused, live connections go on), with haproxy 2.6.12's
// answers. Stats thread.

import type { CliCommand, CliContext } from './cli-command.js';

async function setFrontend(ctx: CliContext, name: string | undefined, enable: boolean): Promise<string> {
  if (name === undefined) return 'A frontend name is expected.\n';
  const frontend = ctx.config.frontends.findIndex((f) => f.name === name && f.retired !== true);
  if (frontend < 0) return 'No such frontend.\n';
  try {
    return (await ctx.relay({ kind: 'frontend-state', frontend, enable })).message ?? '';
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)}\n`;
  }
}

export const FRONTEND_COMMANDS: readonly CliCommand[] = [
  {
    words: ['enable', 'frontend'],
    level: 'admin',
    help: { usage: 'enable frontend <frontend>', text: 're-enable specific frontend' },
    run: (ctx, [name]) => setFrontend(ctx, name, true),
  },
  {
    words: ['disable', 'frontend'],
    level: 'admin',
    help: { usage: 'disable frontend <frontend>', text: 'temporarily disable specific frontend' },
    run: (ctx, [name]) => setFrontend(ctx, name, false),
  },
];
