// Issue 8 item 8 (second half): `timeout server` while waiting for a response head. A backend that dribbled its head
// one byte at a time held a request for as long as it liked (19 s with `timeout server 3s`): every partial read
// re-armed the timer. haproxy 2.6.12 answers 504 at `timeout server` however the head trickles in; a complete 1xx
// and request body bytes still going to the server do count as activity (measured). Side by side with haproxy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerEachRequest, type RecorderScript } from '../support/http-verdict.js';
import { exchangeBoth, startHttpPair, type HttpPair } from '../support/http-side-by-side.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** Writes `text` one byte every `everyMs` once the first request head is in; stops when the connection closes. */
function dribble(text: string, everyMs: number): RecorderScript {
  return (c) => {
    if (c.answered > 0 || !c.received.includes('\r\n\r\n')) return;
    c.answered = 1;
    let i = 0;
    const timer = setInterval(() => {
      if (c.socket.destroyed || i >= text.length) clearInterval(timer);
      else c.socket.write(text[i++] ?? '');
    }, everyMs);
    c.socket.once('close', () => clearInterval(timer));
  };
}

/** Answers a request only once its whole Content-Length body (after the head) has arrived. */
function afterBody(length: number): RecorderScript {
  return (c) => {
    const end = c.received.indexOf('\r\n\r\n');
    if (c.answered > 0 || end < 0 || c.received.length - end - 4 < length) return;
    c.answered = 1;
    c.socket.write(OK);
  };
}

describe('issue 8 item 8: timeout server bounds the wait for a response head', () => {
  let pair: HttpPair;
  before(async () => {
    pair = await startHttpPair({ defaults: ['  timeout server 1s', '  option http-server-close'] });
  });
  after(() => pair.close());

  test('a head dribbled one byte every 100 ms (8 s in all) gets the 504 at timeout server (1 s)', async () => {
    pair.setScript(dribble(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(50)}\r\nContent-Length: 2\r\n\r\nok`, 100));
    const [ha, orca] = await exchangeBoth(pair, ['GET / HTTP/1.1\r\nHost: a\r\n\r\n'], { readMs: 4000, done: (a) => a.includes('</html>') });
    assert.match(ha.answer, /^HTTP\/1\.1 504 /);
    assert.equal(orca.answer, ha.answer);
  });

  test('an interim 100 re-arms the wait: a final head 0.7 s after it, 1.4 s after the request, is relayed', async () => {
    pair.setScript((c) => {
      if (c.answered > 0 || !c.received.includes('\r\n\r\n')) return;
      c.answered = 1;
      const t1 = setTimeout(() => c.socket.write('HTTP/1.1 100 Continue\r\n\r\n'), 700);
      const t2 = setTimeout(() => c.socket.write(OK), 1400);
      c.socket.once('close', () => [t1, t2].forEach(clearTimeout));
    });
    const [ha, orca] = await exchangeBoth(pair, ['GET / HTTP/1.1\r\nHost: a\r\n\r\n'], { readMs: 3000, done: (a) => a.endsWith('ok') });
    assert.equal(ha.answer, `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok`);
    assert.equal(orca.answer, ha.answer);
  });

  test('a request body still flowing to the server (6 bytes over 1.8 s) is activity: no 504 before the answer', async () => {
    pair.setScript(afterBody(6));
    const steps = ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n', 300, 'a', 300, 'b', 300, 'c', 300, 'd', 300, 'e', 300, 'f'];
    const [ha, orca] = await exchangeBoth(pair, steps, { readMs: 2000, done: (a) => a.endsWith('ok') });
    assert.equal(ha.answer, 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    assert.equal(orca.answer, ha.answer);
    assert.deepEqual(orca.backend, ha.backend);
  });

  test('an answer given before the body is all in lets the body finish, then the connection carries the next request', async () => {
    pair.setScript(answerEachRequest((line) => (line.startsWith('GET') ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nk2' : OK)));
    const steps = ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n', 300, 'abcd', 300, 'efgh', 300, 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n'];
    const [ha, orca] = await exchangeBoth(pair, steps, { readMs: 2000, done: (a) => a.endsWith('k2') });
    assert.equal(ha.answer, 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nk2');
    assert.equal(orca.answer, ha.answer);
    assert.deepEqual(orca.backend, ha.backend);
  });
});
