// Issue 13: what a start sends to the `log` targets. haproxy 2.6.12 prints its start-up warnings and notices (a
// config warning, here the missing-timeouts one both programs give) on stderr and sends none of them to syslog
// (measured with a UDP sink); orcalb did send its config warnings, its fd budget notice and its ready line there.
// Side by side: the same config, then one request; the sink must hold that request's line and nothing before it.
// Test-runner thread; both balancers run as child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startSyslogReceiver } from '../support/syslog-receiver.js';

async function run(t: { after(fn: () => unknown): void }, subject: LbSubject): Promise<{ syslog: string[]; stderr: string }> {
  const backends = await startHttpBackends(['s1']);
  t.after(() => backends.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const port = await freeTcpPort();
  const config = [
    'global',
    `  log 127.0.0.1:${syslog.port} local2`,
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  timeout connect 2s',
    '  timeout server 5s',
    'frontend f',
    `  bind 127.0.0.1:${port}`,
    '  default_backend b',
    'backend b',
    `  server s1 127.0.0.1:${backends.ports()[0] ?? 0}`,
    '',
  ].join('\n');
  const lb = await subject.start(config, port);
  t.after(() => lb.stop());
  const stderr = await lb.waitForStderr(/missing timeouts for frontend 'f'/, 8000);
  assert.equal((await rawRequest(port, 'GET /one HTTP/1.1\r\nHost: h\r\n\r\n')).status, 200);
  await syslog.waitFor((m) => m.some((x) => x.text.includes('"GET /one HTTP/1.1"')), 8000, `${subject.name}: the request's line`);
  return { syslog: syslog.messages().map((m) => m.text.replace(/^127\.0\.0\.1:\d+ \[[^\]]+\] f b\/s1 .*$/, 'LINE')), stderr };
}

test('start-up warnings and notices go to stderr only, never to the log targets (as haproxy 2.6.12)', async (t) => {
  const h = await run(t, HAPROXY_SUBJECT);
  const o = await run(t, ORCALB_SUBJECT);
  assert.deepEqual(h.syslog, ['LINE'], h.syslog.join('\n'));
  assert.deepEqual(o.syslog, ['LINE'], o.syslog.join('\n'));
  assert.match(o.stderr, /\[WARNING\] .*missing timeouts for frontend 'f'/);
});
