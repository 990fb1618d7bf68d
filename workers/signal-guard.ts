// Loaded first by main.ts, for its side effects: takes SIGUSR1 away from Node's inspector before anything else
// runs, and refuses to start (alert, exit 1) when the V8 inspector is open or an inspector flag is given on the
// command line or in NODE_OPTIONS (unless ORCALB_ALLOW_INSPECTOR=1, development only), or when a signal of the
// operator's table is blocked, so could never reach orcalb (`node --disable-sigusr1` blocks SIGUSR1). Main thread.

import { readFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { ALLOW_INSPECTOR_ENV, inspectorAllowed, inspectorFlags } from '../core/inspector-policy.js';
import { createLogger } from '../core/log.js';
import { blockedSignals, holdSignals } from './signals.js';

holdSignals();
let warned = false;

/** Writes the alert and leaves at once (an open inspector may hold a session; inspector.close() would wait on it). */
function refuse(reason: string): never {
  createLogger([]).log('alert', `refusing to start: ${reason}`);
  process.exit(1);
}

/**
 * Exits 1 with an alert when the inspector is open or requested and not allowed; logs a warning when it is
 * allowed. Main thread; run at load (below) and again just before orcalb says ready, because a SIGUSR1 that
 * arrived before holdSignals() may open the inspector a moment later.
 */
export function assertNoInspector(): void {
  const flags = inspectorFlags(process.execArgv, process.env['NODE_OPTIONS']);
  const url = inspector.url();
  if (flags.length === 0 && url === undefined) return;
  const what = [...flags.map((f) => `'${f}'`), ...(url === undefined ? [] : [`the inspector listening at ${url}`])].join(', ');
  if (!inspectorAllowed(process.env)) {
    refuse(
      `the V8 inspector is enabled (${what}); it runs any code sent to it with orcalb's privileges. Remove the ` +
        `--inspect flag from the command line and NODE_OPTIONS (${ALLOW_INSPECTOR_ENV}=1 allows it, never in production).`,
    );
  }
  if (warned) return;
  warned = true;
  createLogger([]).log('warning', `V8 inspector allowed by ${ALLOW_INSPECTOR_ENV}=1 (${what}): anyone who reaches it runs code in orcalb; development only`);
}

/**
 * Exits 1 with an alert when this (main) thread blocks a signal of the operator's table: a blocked signal stays
 * pending forever, so a soft stop or a dump would silently never happen. Linux only (/proc); elsewhere a no-op.
 */
function assertSignalsDeliverable(): void {
  let status: string;
  try {
    status = readFileSync('/proc/thread-self/status', 'utf8');
  } catch {
    return;
  }
  const blocked = blockedSignals(/^SigBlk:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0');
  if (blocked.length === 0) return;
  const disabled = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].includes('--disable-sigusr1');
  const why = disabled
    ? 'node --disable-sigusr1 blocks SIGUSR1 in every thread; orcalb keeps the inspector closed without it'
    : 'the mask was inherited from the parent process';
  refuse(`${blocked.join(', ')} blocked (${why}): orcalb could never act on ${blocked.length > 1 ? 'them' : 'it'}.`);
}

assertNoInspector();
assertSignalsDeliverable();
