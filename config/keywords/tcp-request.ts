// `tcp-request connection|session|content <action> …` (manual §4.2): every line takes its place in its stage (the
// order a track rule runs in among the stage's rules); `track-sc*` actions are parsed (config/keywords/track-sc.ts)
// so that bad input gets HAProxy's verdict; every rule set is still judged by config/not-implemented.ts (refused:
// these rules decide which connections get through, and the engine does not run them yet). `tcp-request
// inspect-delay` keeps its own verdict. Main thread, config parsing.

import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseTrackAction } from './track-sc.js';

const STAGES = ['connection', 'session', 'content'] as const;

/** Parses a `tcp-request` line. Never throws; problems go to `ctx.diag`. */
export function parseTcpRequestLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const stage = STAGES.find((s) => s === args[1]);
  if (stage === undefined) {
    diag.notImplemented(args[1] === 'inspect-delay' ? 'tcp-request inspect-delay' : 'tcp-request', at);
    return;
  }
  const order = proxy.stick.tcpRuleLines[stage]++;
  if ((args[2] ?? '').startsWith('track-sc') && !parseTrackAction(ctx, `tcp-request ${stage}`, 2, order)) return;
  diag.notImplemented(`tcp-request ${stage}`, at);
}
