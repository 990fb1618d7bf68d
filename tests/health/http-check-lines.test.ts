// Side by side with the real HAProxy 2.6 (/usr/sbin/haproxy -db): the check request bytes haproxy sends for the same
// settings, and one HTTP server that changes how it answers (503, 200, garbage, silence, a body without the expected
// text) checked by both, with the state-change lines on stderr compared word for word (pid and durations aside).

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { HttpCheckConfig } from '../../config/model.js';
import { HealthChecker } from '../../core/health/health-checker.js';
import { httpCheckRequest } from '../../core/health/http-check-request.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import {
  CheckTarget, captureLogger, closedPort, healthConfig, seededState, serverConfig, type TargetConnection,
} from '../support/check-target.js';

const LABEL: Readonly<Record<string, string>> = { warning: '[WARNING]', alert: '[ALERT]' };

function normalize(label: string, text: string): string {
  return `${label} ${text.replace(/check duration: \d+ms/g, 'check duration: 0ms')}`;
}

/** haproxy's server and backend state-change lines among its stderr lines, normalized. */
function stateLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^(\[[A-Z]+\])\s+\(\d+\) : (.*)$/.exec(line);
    if (m !== null && /^(Server|backend) /.test(m[2] ?? '')) out.push(normalize(m[1] ?? '', m[2] ?? ''));
  }
  return out;
}

type Mode = 'ok' | 'unavailable' | 'garbage' | 'silent' | 'hello';
const ANSWERS: Readonly<Record<Mode, string | undefined>> = {
  ok: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nalive',
  unavailable: 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n',
  garbage: 'garbage here\r\n\r\n',
  silent: undefined,
  hello: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
};

/** Runs haproxy and orcalb's checker on one server, steps through `modes`, returns both sides' lines. */
async function sideBySide(t: TestContext, checkLines: readonly string[], http: HttpCheckConfig, modes: readonly Mode[]) {
  let mode: Mode = 'ok';
  const answered = new WeakSet<TargetConnection>();
  const target = await CheckTarget.start((conn) => {
    if (answered.has(conn) || !conn.received.includes('\r\n\r\n')) return;
    answered.add(conn);
    const text = ANSWERS[mode];
    if (text !== undefined) conn.socket.end(text);
  });
  t.after(() => target.close());

  const haproxy = await startHaproxy([
    'defaults', '    mode http', '    timeout connect 1s', '    timeout client 10s', '    timeout server 10s',
    // Generous: the check target runs in this test process, which a busy 2-core machine can stall for a few hundred
    // ms; a tight limit would read a late answer as a timeout on one side only.
    '    timeout check 1500ms',
    'frontend fe', `    bind 127.0.0.1:${await closedPort()}`, '    default_backend web',
    'backend web', ...checkLines.map((l) => `    ${l}`),
    `    server web1 127.0.0.1:${target.port} check inter 100 rise 1 fall 1`, '',
  ].join('\n'));
  t.after(() => haproxy.stop());

  const log = captureLogger();
  const config = healthConfig([{
    name: 'web',
    servers: [serverConfig('web1', target.port, { inter: 100, rise: 1, fall: 1 })],
    healthCheck: { type: 'http', rules: [], http },
    timeouts: { connect: 1000, check: 1500 },
  }]);
  const { state, topology } = seededState(config);
  const checker = new HealthChecker(config, state, topology, log);
  t.after(() => checker.stop());
  checker.start();

  // Each mode flips the server's state: DOWN lines come with the "no server" line, UP lines alone.
  let expected = 0;
  let up = true;
  for (const next of modes) {
    mode = next;
    expected += up ? 2 : 1;
    up = !up;
    const n = expected;
    await Promise.all([
      haproxy.waitForStderrLines((lines) => stateLines(lines).length >= n, 8000, `haproxy: line ${n} (${next})`),
      log.waitFor((l) => l.length >= n, 8000, `orcalb: line ${n} (${next})`),
    ]);
  }
  const ours = log.lines.map((l) => normalize(LABEL[l.level] ?? l.level, l.message));
  return { ours, haproxyLines: stateLines(haproxy.stderrLines()) };
}

test('httpchk state-change lines match HAProxy 2.6: wrong status, invalid response, timeout, recovery', async (t) => {
  const http: HttpCheckConfig = { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [['Host', 'check']] };
  const { ours, haproxyLines } = await sideBySide(
    t, ['option httpchk GET /health HTTP/1.1', 'http-check send hdr Host check'], http,
    ['unavailable', 'ok', 'garbage', 'ok', 'silent', 'ok'],
  );
  assert.deepEqual(ours, haproxyLines);
  assert.equal(haproxyLines.length, 9);
  assert.match(haproxyLines[0] ?? '', /^\[WARNING\] Server web\/web1 is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check/);
  assert.match(haproxyLines[2] ?? '', /^\[WARNING\] Server web\/web1 is UP, reason: Layer7 check passed, code: 200, check/);
  assert.match(haproxyLines[3] ?? '', /reason: Layer7 invalid response, check/);
  assert.match(haproxyLines[6] ?? '', /reason: Layer7 timeout, check/);
});

test('http-check expect string: the lines for a missing text match HAProxy 2.6', async (t) => {
  const http: HttpCheckConfig = { ...{ method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] }, expect: { match: 'string', pattern: 'alive', negate: false } };
  const { ours, haproxyLines } = await sideBySide(t, ['option httpchk', 'http-check expect string alive'], http, ['hello', 'ok']);
  assert.deepEqual(ours, haproxyLines);
  assert.match(haproxyLines[0] ?? '', /reason: Layer7 invalid response, info: "HTTP content check did not match", check/);
});

test('the check request is byte for byte what haproxy 2.6 sends for the same httpchk settings', async (t) => {
  const cases: Array<{ lines: string[]; http: HttpCheckConfig }> = [
    { lines: ['option httpchk'], http: { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] } },
    { lines: ['option httpchk GET /health HTTP/1.1'], http: { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [] } },
    {
      lines: ['option httpchk POST /api HTTP/1.1', 'http-check send hdr Host ddb.local hdr X-Check orcalb body ping=1'],
      http: { method: 'POST', uri: '/api', version: 'HTTP/1.1', headers: [['Host', 'ddb.local'], ['X-Check', 'orcalb']], body: 'ping=1' },
    },
    {
      lines: ['option httpchk HEAD /h', 'http-check send hdr Connection keep-alive hdr Host h'],
      http: { method: 'HEAD', uri: '/h', version: 'HTTP/1.0', headers: [['Connection', 'keep-alive'], ['Host', 'h']] },
    },
  ];
  for (const c of cases) {
    const target = await CheckTarget.start();
    t.after(() => target.close());
    const front = await freeTcpPort();
    const haproxy = await startHaproxy([
      'defaults', '    mode http', '    timeout connect 1s', '    timeout client 1s', '    timeout server 1s',
      'frontend fe', `    bind 127.0.0.1:${front}`, '    default_backend be',
      'backend be', ...c.lines.map((l) => `    ${l}`), `    server s1 127.0.0.1:${target.port} check inter 5s`, '',
    ].join('\n'));
    t.after(() => haproxy.stop());
    const expected = httpCheckRequest(c.http);
    await target.waitFor(() => (target.connections[0]?.received.length ?? 0) >= expected.length, 3000, 'haproxy\'s check');
    await haproxy.stop();
    assert.equal(target.connections[0]?.received.toString('latin1'), expected.toString('latin1'), c.lines.join(' / '));
  }
});
