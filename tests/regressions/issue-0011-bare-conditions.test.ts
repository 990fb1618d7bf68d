// Issue 11, a rule whose `if` or `unless` has nothing after it: haproxy 2.6.12 never runs `... if` and always runs
// `... unless` (an empty condition fails; measured). orcalb dropped the empty condition and ran both, so `http-request
// del-header X-Secret if` deleted the header haproxy forwards. Side by side on real sockets: the backend behind each
// proxy receives the same headers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT } from '../support/lb-subject.js';

test("'if' alone never runs its header rule and 'unless' alone always does, as in haproxy", async (t) => {
  const farm = await startTaggedHttpFarm(['be']);
  t.after(() => farm.close());
  const heads: string[] = [];
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
    const port = await freeTcpPort();
    const text = [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  http-request set-header X-If 1 if',
      '  http-request set-header X-Unless 1 unless',
      '  http-request del-header X-Secret if',
      '  http-request del-header X-Gone unless',
      '  default_backend be',
      'backend be',
      `  server s 127.0.0.1:${farm.byName('be').port}`,
      '',
    ].join('\n');
    const lb = await subject.start(text, port);
    try {
      const c = await RawHttpConnection.open(port);
      c.write('GET / HTTP/1.1\r\nHost: example.com\r\nX-Secret: kept\r\nX-Gone: x\r\n\r\n');
      const r = await c.response(5000).finally(() => c.destroy());
      assert.equal(r.status, 200, subject.name);
      heads.push(farm.byName('be').headLog.at(-1) ?? '');
    } finally {
      await lb.stop();
    }
  }
  for (const [i, head] of heads.entries()) {
    const who = i === 0 ? 'haproxy' : 'orcalb';
    assert.doesNotMatch(head, /^x-if:/im, who);
    assert.match(head, /^x-unless: 1$/im, who);
    assert.match(head, /^x-secret: kept$/im, who);
    assert.doesNotMatch(head, /^x-gone:/im, who);
  }
});
