// Issue 9, one HTTP/1 codec: `option httpchk` responses are read with core/http1 (parseResponseHead, responseFraming,
// ChunkedScanner) instead of the check's own lenient parser, as HAProxy 2.6's checks go through its H1 parser. Each
// response below was judged differently by the old parser; side by side, the real haproxy 2.6.12 checks the same
// server and its verdict (read from its stats socket) must be orcalb's. (A bad trailer section after the data is left
// out: haproxy 2.6.12 answers L7OK or L7RSP to it depending on how the bytes arrive; orcalb answers L7RSP.)

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HttpCheckConfig } from '../../config/model.js';
import { probeHttp } from '../../core/health/probe-http.js';
import { CheckTarget, serverConfig, type TargetConnection } from '../support/check-target.js';
import { tempConfigDir } from '../support/config-load.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { statRow, statsCommand } from '../support/haproxy-stats.js';
import { delay } from '../support/wait.js';

interface Case {
  readonly name: string;
  readonly response: string;
  /** The `http-check expect` rule (`string alive`, `! string alive`); the default 2xx/3xx rule when absent. */
  readonly expect?: 'string alive' | '! string alive';
  /** haproxy 2.6.12's verdict (measured), asserted so that a change on either side shows. */
  readonly verdict: string;
}

const CASES: readonly Case[] = [
  { name: 'tab-after-version', response: 'HTTP/1.1\t200 OK\r\n\r\n', verdict: 'L7OK 200' },
  { name: 'leading-empty-line', response: '\r\nHTTP/1.1 200 OK\r\n\r\n', verdict: 'L7OK 200' },
  { name: 'content-length-list', response: 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nalive', verdict: 'L7OK 200' },
  { name: 'obs-fold', response: 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n', verdict: 'L7OK 200' },
  { name: 'status-mod-65536', response: 'HTTP/1.1 65736 Odd\r\n\r\n', verdict: 'L7OK 200' },
  { name: 'gzip-coding', response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nalive', verdict: 'L7RSP' },
  { name: 'bad-chunk-with-head', response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nalive', verdict: 'L7RSP' },
  { name: 'status-99-body', response: 'HTTP/1.1 99 Odd\r\nContent-Length: 5\r\n\r\nalive', expect: 'string alive', verdict: 'L7OK 99' },
  {
    name: 'junk-after-chunk',
    response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nalive\r\nZZ\r\n',
    expect: 'string alive',
    verdict: 'L7RSP',
  },
  // A content rule on an empty body fails with "could not find a response body", negated or not (the old judge passed
  // the negated rule).
  { name: 'empty-body-negated', response: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', expect: '! string alive', verdict: 'L7RSP' },
  { name: 'empty-body', response: 'HTTP/1.0 200 OK\r\n\r\n', expect: 'string alive', verdict: 'L7RSP' },
];

const HTTP: HttpCheckConfig = { method: 'GET', uri: '/', version: 'HTTP/1.0', headers: [] };
const EXPECT: Readonly<Record<NonNullable<Case['expect']>, HttpCheckConfig>> = {
  'string alive': { ...HTTP, expect: { match: 'string', pattern: 'alive', negate: false } },
  '! string alive': { ...HTTP, expect: { match: 'string', pattern: 'alive', negate: true } },
};

/** A target that answers every check request with `text`, then closes. */
async function answering(t: { after(fn: () => Promise<void>): void }, text: string): Promise<CheckTarget> {
  const answered = new WeakSet<TargetConnection>();
  const target = await CheckTarget.start((conn) => {
    if (answered.has(conn) || !conn.received.includes('\r\n\r\n')) return;
    answered.add(conn);
    conn.socket.end(text, 'latin1');
  });
  t.after(() => target.close());
  return target;
}

test('check responses the old parser judged otherwise get haproxy 2.6.12\'s verdict and info text, side by side', async (t) => {
  const targets = await Promise.all(CASES.map((c) => answering(t, c.response)));
  const dir = await tempConfigDir(t, {});
  const sock = join(dir, 'stats.sock');
  const front = await freeTcpPort();
  const backends = CASES.flatMap((c, i) => [
    `backend ${c.name}`,
    '  option httpchk GET /',
    ...(c.expect === undefined ? [] : [`  http-check expect ${c.expect}`]),
    `  server s 127.0.0.1:${targets[i]?.port ?? 0} check inter 100 rise 1 fall 1`,
  ]);
  const haproxy = await startHaproxy(
    [
      'global', `  stats socket ${sock}`,
      'defaults', '  mode http', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', '  timeout check 500ms',
      'frontend fe', `  bind 127.0.0.1:${front}`, `  default_backend ${CASES[0]?.name ?? ''}`,
      ...backends, '',
    ].join('\n'),
    { readyPort: front },
  );
  t.after(() => haproxy.stop());

  // Each server's verdict once its first check is over: check_status left INI and has no '* ' (a check in progress,
  // whose code reads 0). No event to wait on: bounded polling of the stats socket.
  const verdicts = new Map<string, string>();
  for (let round = 0; round < 100 && verdicts.size < CASES.length; round++) {
    const stat = await statsCommand(sock, 'show stat');
    for (const c of CASES) {
      const row = statRow(stat, c.name, 's');
      const status = row['check_status'] ?? '';
      if (status === '' || status === 'INI' || status.startsWith('*')) continue;
      if (!verdicts.has(c.name)) verdicts.set(c.name, `${status} ${row['check_code'] ?? ''}`.trim());
    }
    if (verdicts.size < CASES.length) await delay(50);
  }
  for (const [i, c] of CASES.entries()) {
    const theirs = verdicts.get(c.name);
    const target = targets[i] as CheckTarget;
    const cfg = c.expect === undefined ? HTTP : EXPECT[c.expect];
    const result = await probeHttp(cfg, serverConfig('s', target.port), { connectMs: 1000, afterConnectMs: 1000 }, 16384);
    // haproxy's stats show a code with L7OK and L7STS only.
    const ours = `${result.status.name} ${/^L7(OK|STS)$/.test(result.status.name) ? (result.code ?? '') : ''}`.trim();
    assert.equal(theirs, c.verdict, `haproxy, ${c.name}`);
    assert.equal(ours, theirs, c.name);
    if (c.verdict.startsWith('L7OK')) continue;
    // A failed first check takes the server DOWN (rise 1 fall 1): haproxy's line carries the info text.
    const line = await haproxy.waitForStderr(new RegExp(`Server ${c.name}/s is DOWN, reason: [^,]*(, code: \\d+)?(, info: "[^"]*")?`), 5000);
    assert.equal(result.info, /, info: "([^"]*)"/.exec(line)?.[1] ?? '', `info, ${c.name}`);
  }
  await haproxy.stop();
});
