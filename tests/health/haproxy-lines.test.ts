// Side by side with the real HAProxy 2.6 (/usr/sbin/haproxy -db): the same servers, the same kills and revivals,
// and the same state-change lines on stderr, word for word (pid and check durations aside).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthChecker } from '../../core/health/health-checker.js';
import {
  CheckTarget,
  captureLogger,
  closedPort,
  healthConfig,
  seededState,
  serverConfig,
} from '../support/check-target.js';
import { startHaproxy } from '../support/haproxy-process.js';

const LABEL: Readonly<Record<string, string>> = { warning: '[WARNING]', alert: '[ALERT]' };

/** `[WARNING]  (123) : text` → `[WARNING] text`, with every check duration set to 0. */
function normalize(label: string, text: string): string {
  return `${label} ${text.replace(/check duration: \d+ms/g, 'check duration: 0ms')}`;
}

/** haproxy's server and backend state-change lines among its stderr lines, normalized. */
function stateLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^(\[[A-Z]+\])\s+\(\d+\) : (.*)$/.exec(line);
    if (m !== null && /^(Server|Backup Server|backend|proxy) /.test(m[2] ?? '')) out.push(normalize(m[1] ?? '', m[2] ?? ''));
  }
  return out;
}

test('state-change lines match HAProxy 2.6 for the same outages: DOWN, UP, last server gone', async (t) => {
  const nodes = [await CheckTarget.start(), await CheckTarget.start(), await CheckTarget.start()];
  for (const n of nodes) t.after(() => n.close());
  const n2 = nodes[1] as CheckTarget;
  await n2.kill();
  const timing = { inter: 100, rise: 2, fall: 3 };

  const bindPort = await closedPort();
  const haproxy = await startHaproxy([
    'defaults',
    '    mode tcp',
    '    timeout connect 1s',
    '    timeout client 10s',
    '    timeout server 10s',
    '    timeout check 1s',
    'frontend ddb_fronted',
    `    bind 127.0.0.1:${bindPort}`,
    '    default_backend ddb_backend',
    'backend ddb_backend',
    '    balance roundrobin',
    ...nodes.map((n, i) => `    server node${i + 1} 127.0.0.1:${n.port} check inter 100 rise 2 fall 3`),
    '',
  ].join('\n'));
  t.after(() => haproxy.stop());
  const haproxyLines = (): string[] => stateLines(haproxy.stderrLines());

  const log = captureLogger();
  const config = healthConfig([{
    name: 'ddb_backend',
    servers: nodes.map((n, i) => serverConfig(`node${i + 1}`, n.port, timing)),
    timeouts: { connect: 1000, check: 1000 },
  }]);
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, log);
  t.after(() => checker.stop());
  checker.start();
  const ours = (): string[] => log.lines.map((l) => normalize(LABEL[l.level] ?? l.level, l.message));

  const both = async (n: number, what: string): Promise<void> => {
    await Promise.all([
      haproxy.waitForStderrLines((lines) => stateLines(lines).length >= n, 5000, `haproxy: ${what}`),
      log.waitFor((l) => l.length >= n, 5000, `orcalb: ${what}`),
    ]);
  };

  await both(1, 'node2 DOWN at its first check');
  await n2.revive();
  await both(2, 'node2 back UP');
  // One outage at a time: each line counts the servers left, so both sides must see the same order.
  await nodes[2]?.kill();
  await both(3, 'node3 DOWN');
  await nodes[0]?.kill();
  await both(4, 'node1 DOWN');
  await n2.kill();
  await both(6, 'node2 DOWN and the backend empty');

  const theirs = haproxyLines();
  if (process.env['SHOW_LINES'] === '1') console.log(theirs.join('\n'));
  assert.deepEqual(ours(), theirs);
  // The comparison is only worth something if the lines are the ones this test provokes.
  assert.equal(theirs.length, 6);
  assert.match(theirs[0] ?? '', /^\[WARNING\] Server ddb_backend\/node2 is DOWN, reason: Layer4 connection problem, info: "Connection refused"/);
  assert.match(theirs[1] ?? '', /^\[WARNING\] Server ddb_backend\/node2 is UP, reason: Layer4 check passed, check duration: 0ms\. 3 active/);
  assert.equal(theirs[5], "[ALERT] backend 'ddb_backend' has no server available!");
});
