// Issue 13, the persistence cookie characters of %tsc (manual §8.5): the request's (N none, I invalid, D down, V
// valid) and the response's (N, P passed, D deleted, R rewritten, I inserted), side by side with haproxy 2.6.12 for
// the same requests through `cookie SRV insert indirect nocache`, `cookie SRV rewrite` and `cookie SRV prefix`
// proxies (a log-format of %tsc and the server), and `--` for a proxy without a cookie line.
// Test-runner thread; both balancers run as child processes, the servers are tests/support/http-tagged-backends.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { rawHttpRequest, startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startSyslogReceiver } from '../support/syslog-receiver.js';

const MODES = ['SRV insert indirect nocache', 'SRV rewrite', 'SRV prefix', undefined] as const;

/** [proxy index, Cookie header or undefined, Set-Cookie the server adds or undefined]. */
const REQUESTS: readonly (readonly [number, string | undefined, string | undefined])[] = [
  [0, undefined, undefined],
  [0, 'SRV=c2', undefined],
  [0, 'SRV=zz', undefined],
  [0, 'SRV=c1', 'SRV=x; path=/'],
  [0, 'SRV=c3', undefined],
  [0, 'OTHER=1', 'OTHER=2'],
  [1, undefined, 'SRV=x; path=/'],
  [1, undefined, undefined],
  [1, 'SRV=c2', 'SRV=y'],
  [2, undefined, 'SRV=x'],
  [2, 'SRV=c2', 'OTHER=1'],
  [3, 'SRV=c1', 'SRV=x'],
];

async function run(t: { after(fn: () => unknown): void }, subject: LbSubject): Promise<string[]> {
  const farm = await startTaggedHttpFarm(['s1', 's2']);
  t.after(() => farm.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const dead = await freeTcpPort();
  const ports = await Promise.all(MODES.map(() => freeTcpPort()));
  const config = [
    'global',
    `  log 127.0.0.1:${syslog.port} local2`,
    'defaults',
    '  mode http',
    '  log global',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  log-format "%ft %tsc %s %ST"',
    ...MODES.flatMap((mode, i) => [
      `listen p${i}`,
      `  bind 127.0.0.1:${ports[i] ?? 0}`,
      '  balance first',
      ...(mode === undefined ? [] : [`  cookie ${mode}`]),
      `  server s1 127.0.0.1:${farm.byName('s1').port} cookie c1`,
      `  server s2 127.0.0.1:${farm.byName('s2').port} cookie c2`,
      `  server s3 127.0.0.1:${dead} cookie c3 check inter 100ms fall 1 rise 1`,
    ]),
  ].join('\n');
  const lb = await subject.start(`${config}\n`, ports[0] ?? 0);
  t.after(() => lb.stop());
  await lb.waitForStderr(/Server p0\/s3 is DOWN/, 8000);
  for (const [i, [proxy, cookie, setCookie]] of REQUESTS.entries()) {
    const head = ['GET /page HTTP/1.1', 'Host: test'];
    if (cookie !== undefined) head.push(`Cookie: ${cookie}`);
    if (setCookie !== undefined) head.push(`X-Reply-Headers: ${JSON.stringify([['Set-Cookie', setCookie]])}`);
    assert.equal((await rawHttpRequest(ports[proxy] ?? 0, head.join('\r\n'))).status, 200);
    await syslog.waitFor((m) => m.filter((x) => /^p\d /.test(x.text)).length > i, 8000, `${subject.name}: line ${i + 1}`);
  }
  return syslog.messages().filter((m) => /^p\d /.test(m.text)).map((m) => m.text);
}

test('%tsc cookie characters: NI VN II VD DI NI / NR NN VR / NR VN / -- as haproxy 2.6.12 logs them', async (t) => {
  const h = await run(t, HAPROXY_SUBJECT);
  const o = await run(t, ORCALB_SUBJECT);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  assert.deepEqual(
    o.map((l) => l.split(' ')[1]?.slice(2)),
    ['NI', 'VN', 'II', 'VD', 'DI', 'NI', 'NR', 'NN', 'VR', 'NR', 'VN', '--'],
    raw,
  );
});
