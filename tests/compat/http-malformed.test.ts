// Every request of the malformed-HTTP corpus goes through the real haproxy 2.6.12 (mode http) to a recording backend,
// and through orcalb's parser (parseRequestHead + requestFraming + ChunkedScanner): the verdicts must be the ones
// recorded in the corpus for both, and where both forward, the heads must match up to header-name case. Test thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChunkedScanner,
  parseRequestHead,
  requestFraming,
  serializeRequestHead,
} from '../../core/forward/http1-parser.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { classifyThroughProxy, startHttpRecorder, type HttpRecorder } from '../support/http-verdict.js';
import { HTTP_CORPUS, type Verdict } from './http-malformed-corpus.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };

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
