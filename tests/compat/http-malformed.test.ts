// Every request of the malformed-HTTP corpus goes through the real haproxy 2.6.12 (mode http) to a recording backend,
// and through orcalb's parser (parseRequestHead + requestFraming + ChunkedScanner): the verdicts must be the ones
// recorded in the corpus for both, and where both forward, the heads must match up to header-name case. The same for
// server responses: haproxy relays them or answers 502, and parseResponseHead/responseFraming must agree. Test thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChunkedScanner } from '../../core/http1/chunked.js';
import { parseRequestHead, parseResponseHead, serializeRequestHead } from '../../core/http1/parser.js';
import { requestFraming, responseFraming } from '../../core/http1/framing.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { classifyThroughProxy, startHttpRecorder, type HttpRecorder } from '../support/http-verdict.js';
import { HTTP_CORPUS, HTTP_RESPONSE_CORPUS, type Verdict } from './http-malformed-corpus.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };
const DEFAULT_ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';

interface ParserOutcome {
  readonly verdict: Verdict;
  readonly head?: Buffer;
}

/** The verdict orcalb's parser gives: what the L7 engine answers or forwards for these bytes. */
function parserVerdict(raw: string): ParserOutcome {
  const buf = Buffer.from(raw, 'latin1');
  const parsed = parseRequestHead(buf, LIMITS);
  if (parsed.kind === 'incomplete') return { verdict: { verdict: 'closed' } };
  if (parsed.kind === 'error') return { verdict: { verdict: 'refused', status: parsed.status } };
  const framing = requestFraming(parsed.head);
  if (framing.kind === 'error') return { verdict: { verdict: 'refused', status: framing.status } };
  if (framing.kind === 'chunked') {
    // HAProxy reads a small body whole before connecting, so a bad chunk is still a 400 to the client.
    const scanned = new ChunkedScanner().push(buf.subarray(parsed.length));
    if ('error' in scanned) return { verdict: { verdict: 'refused', status: 400 } };
  }
  return { verdict: { verdict: 'forwarded' }, head: serializeRequestHead(parsed.head) };
}

/** What orcalb does with a server's response to `GET /`: relay it, or answer 502 (any parse or framing error). */
function responseVerdict(raw: string): Verdict {
  const buf = Buffer.from(raw, 'latin1');
  const parsed = parseResponseHead(buf, LIMITS);
  if (parsed.kind !== 'ok') return { verdict: 'refused', status: 502 };
  const framing = responseFraming(parsed.head, 'GET');
  if (framing.kind === 'error') return { verdict: 'refused', status: 502 };
  if (framing.kind === 'chunked' && 'error' in new ChunkedScanner().push(buf.subarray(parsed.length))) {
    return { verdict: 'refused', status: 502 };
  }
  return { verdict: 'forwarded' };
}

/** A head as a comparable text: header names lower-cased (HAProxy lower-cases them), its own Connection dropped. */
function normaliseHead(text: string): string {
  const end = text.search(/\r\n\r\n/);
  return text
    .slice(0, end)
    .split('\r\n')
    .map((line, i) => (i === 0 ? line : line.replace(/^[^:]+/, (n) => n.toLowerCase())))
    .filter((line) => line !== 'connection: close')
    .join('\n');
}

describe('malformed HTTP corpus: haproxy 2.6.12 and orcalb parser agree', () => {
  let recorder: HttpRecorder;
  let haproxy: HaproxyProcess;
  let port: number;

  before(async () => {
    recorder = await startHttpRecorder();
    port = await freeTcpPort();
    haproxy = await startHaproxy(
      [
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 2s',
        '  timeout server 2s',
        '  option http-server-close',
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  default_backend be',
        'backend be',
        `  server s1 127.0.0.1:${recorder.port}`,
        '',
      ].join('\n'),
      { readyPort: port },
    );
  });
  after(async () => {
    await haproxy.stop();
    await recorder.close();
  });

  test('the corpus has unique names and at least 40 cases', () => {
    assert.ok(HTTP_CORPUS.length >= 40);
    assert.equal(new Set(HTTP_CORPUS.map((c) => c.name)).size, HTTP_CORPUS.length);
  });

  test('the response corpus has unique names', () => {
    assert.equal(new Set(HTTP_RESPONSE_CORPUS.map((c) => c.name)).size, HTTP_RESPONSE_CORPUS.length);
  });

  for (const c of HTTP_RESPONSE_CORPUS) {
    const expected = c.haproxy.verdict === 'refused' ? `answers ${c.haproxy.status}` : 'relays it';
    test(`response ${c.name}: haproxy and the parser both ${expected}`, async () => {
      recorder.setAnswer(c.raw);
      try {
        const proxy = await classifyThroughProxy(port, recorder, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
        // The request always reaches the server here; what counts is whether the client got the server's answer.
        const status = /^HTTP\/1\.1 (\d{3})/.exec(proxy.answer)?.[1];
        const got: Verdict = status === '502' && !c.raw.startsWith('HTTP/1.1 502') ? { verdict: 'refused', status: 502 } : { verdict: 'forwarded' };
        assert.deepEqual(got, c.haproxy, `haproxy answered ${JSON.stringify(proxy.answer.slice(0, 40))}`);
        assert.deepEqual(responseVerdict(c.raw), c.haproxy);
      } finally {
        recorder.setAnswer(DEFAULT_ANSWER);
      }
    });
  }

  for (const c of HTTP_CORPUS) {
    const expected = c.haproxy.verdict === 'refused' ? `refused ${c.haproxy.status}` : c.haproxy.verdict;
    test(`${c.name}: haproxy and the parser both answer ${expected}`, async () => {
      const proxy = await classifyThroughProxy(port, recorder, c.raw);
      assert.deepEqual(proxy.verdict, c.haproxy, `haproxy answered ${JSON.stringify(proxy.answer.slice(0, 40))}`);
      const ours = parserVerdict(c.raw);
      assert.deepEqual(ours.verdict, c.haproxy);
      if (ours.head !== undefined && c.headDeviation === undefined) {
        assert.equal(normaliseHead(ours.head.toString('latin1')), normaliseHead(proxy.forwarded));
      }
    });
  }
});
