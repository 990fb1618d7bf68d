// Issue 8 item 13 (HTTP part): `GET http://a:80/x` with `Host: a` was a 400 from orcalb, while haproxy 2.6.12 compares
// authority and Host modulo the scheme's default port and forwards the target normalised (`http://a/x`, Host from the
// authority); and an HTTP/2 connection preface was forwarded to the server as `PRI * HTTP/1.1`. Without h2 on the
// bind (orcalb has none; haproxy is given `proto h1`) haproxy answers any PRI request 400 and closes. Side by side.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** Request heads and the head haproxy forwards (`null`: it answers 400 and forwards nothing). */
const TARGETS: readonly [string, string, string | null][] = [
  ['the default port goes, from the target and from Host', 'GET http://a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', 'GET http://a/x HTTP/1.1\r\nhost: a\r\n'],
  ['Host takes the normalised authority', 'GET http://A:80/x HTTP/1.1\r\nHost: a:80\r\n\r\n', 'GET http://A/x HTTP/1.1\r\nhost: A\r\n'],
  ['an empty port goes too', 'GET http://a:/x HTTP/1.1\r\nHost: a\r\n\r\n', 'GET http://a/x HTTP/1.1\r\nhost: a\r\n'],
  ['https uses 443', 'GET https://a:443/x HTTP/1.1\r\nHost: a\r\n\r\n', 'GET https://a/x HTTP/1.1\r\nhost: a\r\n'],
  ['userinfo stays in the target, never in Host', 'GET http://u@a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', 'GET http://u@a/x HTTP/1.1\r\nhost: a\r\n'],
  ['a target without a port keeps Host as sent', 'GET http://a/x HTTP/1.1\r\nHost: a:80\r\n\r\n', 'GET http://a/x HTTP/1.1\r\nhost: a:80\r\n'],
  ['another port is kept', 'GET http://a:8080/x HTTP/1.1\r\nHost: a:8080\r\n\r\n', 'GET http://a:8080/x HTTP/1.1\r\nhost: a:8080\r\n'],
  ['no Host: the target alone is normalised', 'GET http://a:80/x HTTP/1.1\r\n\r\n', 'GET http://a/x HTTP/1.1\r\n'],
  ['a non-default port that differs from Host is a 400', 'GET http://a:8080/x HTTP/1.1\r\nHost: a\r\n\r\n', null],
  ['80 is not the https default: 400', 'GET https://a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', null],
  ['a query right after the authority differs from Host: 400', 'GET http://a?q=1 HTTP/1.1\r\nHost: a\r\n\r\n', null],
];

describe('issue 8 item 13: absolute-form targets normalised and HTTP/2 prefaces refused, as haproxy 2.6.12', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  option http-server-close'], haproxyBind: 'proto h1' });
    pair.setScript(answerEachRequest(() => OK));
  });
  after(() => pair.close());

  for (const [name, raw, forwarded] of TARGETS) {
    test(`${name}: ${JSON.stringify(raw.split('\r\n')[0])}`, async () => {
      const [ha, orca] = await exchangeBoth(pair, [raw], { readMs: 1000, done: (a) => a.endsWith('ok') });
      if (forwarded === null) {
        assert.match(ha.answer, /^HTTP\/1\.1 400 /, 'haproxy');
        assert.deepEqual(ha.backend, []);
      } else {
        assert.equal(ha.backend[0], `${forwarded}connection: close\r\n\r\n`, 'haproxy');
      }
      assert.equal(orca.answer, ha.answer);
      assert.deepEqual(orca.backend, ha.backend);
    });
  }

  for (const [name, raw] of [
    ['the HTTP/2 connection preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['the preface with a SETTINGS frame after it', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00'],
    ['PRI as an HTTP/1.1 method, any case', 'pri / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ] as const) {
    test(`${name} is answered 400 and the connection closed, nothing forwarded`, async () => {
      const [ha, orca] = await exchangeBoth(pair, [raw], { readMs: 1000 });
      assert.match(ha.answer, /^HTTP\/1\.1 400 /, 'haproxy');
      assert.ok(ha.closed && orca.closed);
      assert.equal(orca.answer, ha.answer);
      assert.deepEqual(orca.backend, []);
      assert.deepEqual(ha.backend, []);
    });
  }
});
