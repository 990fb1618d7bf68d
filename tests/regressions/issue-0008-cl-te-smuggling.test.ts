// Issue 8 item 3: a request with both Content-Length and Transfer-Encoding: chunked (the CL.TE smuggling shape).
// orcalb used to keep the client connection, so the bytes after the chunked body's end were parsed as the next
// request and `GET /victim` reached the backend. RFC 9112 §6.1 and haproxy 2.6.12 close the connection after the
// response, in every connection mode. Side by side with haproxy, both the client's and the backend's bytes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const VICTIM = 'GET /victim HTTP/1.1\r\nHost: a\r\n\r\n';

const SHAPES: readonly { name: string; raw: string }[] = [
  {
    name: 'CL then TE, pipelined victim in the same write',
    raw: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n${VICTIM}`,
  },
  {
    name: 'TE then CL covering the victim (TE.CL)',
    raw: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${VICTIM}`,
  },
  {
    name: 'HTTP/1.0 keep-alive with both',
    raw: `POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${VICTIM}`,
  },
];

for (const mode of ['option http-server-close', 'option http-keep-alive']) {
  describe(`issue 8 item 3 (${mode}): Content-Length with Transfer-Encoding closes the client connection`, () => {
    let pair: HttpPair;
    before(async () => {
      pair = await startHttpPair({ defaults: [`  ${mode}`] });
      pair.setScript(answerEachRequest(() => OK));
    });
    after(() => pair.close());

    for (const shape of SHAPES) {
      test(`${shape.name}: one answer with connection: close, the victim never reaches a server, bytes as haproxy`, async () => {
        const [ha, orca] = await exchangeBoth(pair, [shape.raw], { readMs: 3000 });
        for (const r of [ha, orca]) {
          assert.ok(r.closed, `${JSON.stringify(r.answer)} left the connection open`);
          assert.equal(r.answer.split('HTTP/1.1 200').length - 1, 1, r.answer);
          assert.ok(!r.backend.join('').includes('/victim'), JSON.stringify(r.backend));
        }
        assert.equal(orca.answer, ha.answer);
        assert.deepEqual(orca.backend, ha.backend);
      });
    }
  });
}
