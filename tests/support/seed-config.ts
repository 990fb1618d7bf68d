// The users' seed configurations (tests/fixtures/seed/, byte-identical copies of the team's shared/seed/; .ci/run
// checks they still match when shared/ is beside the repo) with only their addresses moved to 127.0.0.1 ports, so
// compat tests run the very file users run.
// Runs on the test runner's main thread.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from './haproxy-process.js';

/** dist/tests/support/ → repo root. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The seed files inside the repo, so a clone without shared/ beside it runs every test. */
export const SEED_DIR = resolve(REPO_ROOT, 'tests/fixtures/seed');

export interface SeedOverrides {
  /** Replaces `inter 5s` on every server line (e.g. '300ms' so fall/rise play out in about a second). */
  readonly inter?: string;
  /** Port for the `listen stats` bind; default: a free port. */
  readonly statsPort?: number;
  /** Sends the global `log 127.0.0.1 local2` to this UDP port (a tests/support/syslog-receiver.ts sink). */
  readonly syslogPort?: number;
  /** Lines inserted at the end of the defaults section (before `frontend`), e.g. `option logasap`. */
  readonly defaultsExtra?: readonly string[];
}

/** The seeds' global `log 127.0.0.1 local2` moved to 127.0.0.1:`port`; both seed helpers use it. */
export function withSyslogPort(text: string, port: number): string {
  return rewrite(text, /\blog(\s+)127\.0\.0\.1 local2\b/g, 1, ([space]) => `log${space ?? ' '}127.0.0.1:${port} local2`);
}

/** Replaces every match of `re` and throws unless there were exactly `count`: a changed seed must fail loudly. */
function rewrite(text: string, re: RegExp, count: number, by: (groups: readonly string[]) => string): string {
  let seen = 0;
  const out = text.replace(re, (...args: unknown[]) => {
    seen++;
    // replace() passes (match, p1…pN, offset, whole); none of these patterns has named groups.
    return by(args.slice(1, -2).map((a) => (typeof a === 'string' ? a : '')));
  });
  if (seen !== count) throw new Error(`seed-config: ${String(re)} matched ${seen} times, expected ${count}`);
  return out;
}

/**
 * The seed's haproxy-tcp.cfg with `bind *:8080` → 127.0.0.1:frontendPort, `10.0.0.8N:8802` → 127.0.0.1:serverPorts[N],
 * the stats bind → 127.0.0.1:<free port>, and optionally `inter 5s` → overrides.inter. Everything else (user/group,
 * `log 127.0.0.1 local2`, rise/fall, send-proxy, comments) is left byte for byte. Throws if the seed no longer has
 * the expected shape or serverPorts does not hold exactly 3 ports.
 */
export async function seedTcpConfig(
  frontendPort: number,
  serverPorts: readonly number[],
  overrides: SeedOverrides = {},
): Promise<string> {
  if (serverPorts.length !== 3) throw new Error(`seed-config: haproxy-tcp.cfg has 3 servers, got ${serverPorts.length} ports`);
  const statsPort = overrides.statsPort ?? (await freeTcpPort());
  let text = await readFile(resolve(SEED_DIR, 'haproxy-tcp.cfg'), 'utf8');
  text = rewrite(text, /\bbind(\s+)\*:8080\b/g, 1, ([space]) => `bind${space ?? ' '}127.0.0.1:${frontendPort}`);
  text = rewrite(text, /\b10\.0\.0\.8(\d):8802\b/g, 3, ([digit]) => {
    const port = serverPorts[Number(digit)];
    if (port === undefined) throw new Error(`seed-config: no port for 10.0.0.8${digit ?? '?'}`);
    return `127.0.0.1:${port}`;
  });
  text = rewrite(text, /\bbind(\s+)0\.0\.0\.0:1080\b/g, 1, ([space]) => `bind${space ?? ' '}127.0.0.1:${statsPort}`);
  if (overrides.inter !== undefined) {
    const inter = overrides.inter;
    text = rewrite(text, /\binter 5s\b/g, 3, () => `inter ${inter}`);
  }
  if (overrides.syslogPort !== undefined) text = withSyslogPort(text, overrides.syslogPort);
  if (overrides.defaultsExtra !== undefined) {
    const extra = overrides.defaultsExtra.map((l) => `    ${l}\n`).join('');
    text = rewrite(text, /\n(frontend\s)/g, 1, ([kw]) => `\n${extra}\n${kw ?? 'frontend '}`);
  }
  return text;
}
