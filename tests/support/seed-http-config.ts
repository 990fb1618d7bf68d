// The users' seed haproxy-http.cfg (tests/fixtures/seed/) with only its addresses moved to 127.0.0.1 ports (and,
// for one variant, its forwardfor `except` network), so the HTTP compat tests run the very file users run. Test-runner thread.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { freeTcpPort } from './haproxy-process.js';
import { SEED_DIR, withSyslogPort } from './seed-config.js';

export interface SeedHttpOverrides {
  /** Replaces `except 127.0.0.0/8` (e.g. '10.0.0.0/8' so a 127.0.0.1 client is given X-Forwarded-For). */
  readonly forwardforExcept?: string;
  /** Replaces `inter 5s` on every server line. */
  readonly inter?: string;
  /** Lines inserted at the end of the defaults section (before `frontend`), e.g. a different connection mode. */
  readonly defaultsExtra?: readonly string[];
  /** Lines added to the frontend section (after its `bind`), e.g. `capture request header Host len 16`. */
  readonly frontendExtra?: readonly string[];
  /** Sends the global `log 127.0.0.1 local2` to this UDP port (a tests/support/syslog-receiver.ts sink). */
  readonly syslogPort?: number;
}

/** Replaces every match of `re`, throwing unless there were exactly `count` (a changed seed must fail loudly). */
function rewrite(text: string, re: RegExp, count: number, by: (m: RegExpExecArray) => string): string {
  let seen = 0;
  const out = text.replace(re, (...args: unknown[]) => {
    seen++;
    const m = Object.assign([...args.slice(0, -2)] as string[], { index: 0, input: text }) as unknown as RegExpExecArray;
    return by(m);
  });
  if (seen !== count) throw new Error(`seed-http-config: ${String(re)} matched ${seen} times, expected ${count}`);
  return out;
}

/**
 * The seed's haproxy-http.cfg with `bind *:8080` → 127.0.0.1:frontendPort, `xxx.xxx.xxx.N:9302` →
 * 127.0.0.1:serverPorts[N-1], the stats bind → 127.0.0.1:<free port>, plus `overrides`. Everything else is kept byte
 * for byte. Throws if the seed no longer has that shape or serverPorts does not hold exactly 4 ports.
 */
export async function seedHttpConfig(
  frontendPort: number,
  serverPorts: readonly number[],
  overrides: SeedHttpOverrides = {},
): Promise<string> {
  if (serverPorts.length !== 4) throw new Error(`seed-http-config: haproxy-http.cfg has 4 servers, got ${serverPorts.length}`);
  const statsPort = await freeTcpPort();
  let text = await readFile(resolve(SEED_DIR, 'haproxy-http.cfg'), 'utf8');
  text = rewrite(text, /\bbind(\s+)\*:8080\b/g, 1, (m) => `bind${m[1] ?? ' '}127.0.0.1:${frontendPort}`);
  text = rewrite(text, /\bxxx\.xxx\.xxx\.(\d):9302\b/g, 4, (m) => {
    const port = serverPorts[Number(m[1]) - 1];
    if (port === undefined) throw new Error(`seed-http-config: no port for server ${m[1] ?? '?'}`);
    return `127.0.0.1:${port}`;
  });
  text = rewrite(text, /\bbind(\s+)0\.0\.0\.0:1080\b/g, 1, (m) => `bind${m[1] ?? ' '}127.0.0.1:${statsPort}`);
  if (overrides.forwardforExcept !== undefined) {
    const net = overrides.forwardforExcept;
    text = rewrite(text, /except 127\.0\.0\.0\/8/g, 1, () => `except ${net}`);
  }
  if (overrides.inter !== undefined) {
    const inter = overrides.inter;
    text = rewrite(text, /\binter 5s\b/g, 4, () => `inter ${inter}`);
  }
  if (overrides.frontendExtra !== undefined) {
    const extra = overrides.frontendExtra.map((l) => `    ${l}\n`).join('');
    text = rewrite(text, new RegExp(`(bind\\s+127\\.0\\.0\\.1:${frontendPort}\\b[^\\n]*\\n)`, 'g'), 1, (m) => `${m[1] ?? ''}${extra}`);
  }
  if (overrides.syslogPort !== undefined) text = withSyslogPort(text, overrides.syslogPort);
  if (overrides.defaultsExtra !== undefined) {
    const extra = overrides.defaultsExtra.map((l) => `    ${l}\n`).join('');
    text = rewrite(text, /\n(frontend\s)/g, 1, (m) => `\n${extra}\n${m[1] ?? 'frontend '}`);
  }
  return text;
}
