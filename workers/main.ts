#!/usr/bin/env -S node --max-semi-space-size=16
// orcalb's entry point (the `orcalb` bin). ESM parses a module's whole import graph before it runs any of it, which
// takes 100-200 ms for orcalb: for that long Node's own SIGUSR1 handler would open the V8 inspector. So this file
// imports the small signal guard alone, and the main thread (workers/main-thread.ts) only once it has run.
// The shebang bounds the main thread's young generation as workers/spawn.ts bounds the other threads' (its
// YOUNG_GENERATION_MB is three semi-spaces); run as `node dist/workers/main.js`, pass the flag yourself.

import './signal-guard.js';

await import('./main-thread.js');
