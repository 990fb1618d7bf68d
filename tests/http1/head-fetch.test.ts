// Unit tests of the head fetches' API (core/http1/head-fetch.ts): spans over the received bytes (and over `extra`
// for rewritten values), reused across calls, still right after rebase(); string forms on demand; occurrences counted
// from either end. HAProxy's semantics for each fetch are held by head-fetch-compat.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countFields,
  countValues,
  fetchField,
  fetchHost,
  fetchMethod,
  fetchPath,
  fetchQuery,
  fetchValue,
  headerName,
  Span,
  text,
} from '../../core/http1/head-fetch.js';
import { parseRequest } from '../../core/http1/head-parse.js';
import { HeadView } from '../../core/http1/head-view.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };

function view(raw: string, at = 0): HeadView {
  const buf = Buffer.alloc(at + raw.length + 4, 0x23);
  buf.write(raw, at, 'latin1');
  const v = new HeadView();
  assert.ok(parseRequest(buf, at, at + raw.length, v, LIMITS) > 0, v.errorReason);
  return v;
}

describe('head fetches', () => {
  test('point a reusable Span into the received bytes: method, path, query, host', () => {
    const v = view('PUT /a/b?c=d HTTP/1.1\r\nHost: h:1\r\n\r\n', 7);
    const s = new Span();
    assert.ok(fetchMethod(v, s) && s.buf === v.buf && s.equals('PUT'));
    assert.ok(fetchPath(v, s) && s.start === 7 + 4 && s.equals('/a/b'));
    assert.ok(fetchQuery(v, s) && s.equals('c=d'));
    assert.ok(fetchHost(v, s) && s.toString() === 'h:1');
    assert.equal(s.length, 3);
  });

  test('give strings on demand, undefined for a fetch that finds nothing', () => {
    const v = view('GET http://h HTTP/1.1\r\n\r\n');
    assert.equal(text(fetchPath, v), undefined);
    assert.equal(text(fetchQuery, v), undefined);
    assert.equal(text(fetchMethod, v), 'GET');
  });

  test('count fields and comma-separated values, and pick occurrences from either end', () => {
    const v = view('GET / HTTP/1.1\r\nX-A: 1, 2\r\nx-a: 3\r\nX-B: z\r\n\r\n');
    const x = headerName('X-A');
    const s = new Span();
    assert.deepEqual([countFields(v, x), countValues(v, x)], [2, 3]);
    assert.ok(fetchValue(v, x, -1, s) && s.equals('3'));
    assert.ok(fetchValue(v, x, 2, s) && s.equals('2'));
    assert.ok(fetchField(v, x, 1, s) && s.equals('1, 2'));
    assert.ok(fetchField(v, x, -2, s) && s.equals('1, 2'));
    assert.equal(fetchField(v, x, 3, s), false);
    assert.equal(fetchValue(v, x, 0, s), false);
    assert.equal(countFields(v, headerName('missing')), 0);
  });

  test('read rewritten values from `extra` and stay right after rebase()', () => {
    const v = view('GET http://h:80/p HTTP/1.1\r\nHost: h:80\r\nX-F: a\r\n b\r\n\r\n');
    const s = new Span();
    assert.ok(fetchHost(v, s) && s.buf === v.extra && s.equals('h'));
    assert.ok(fetchField(v, headerName('x-f'), 1, s) && s.equals('a   b'));
    const moved = Buffer.alloc(v.length);
    const old = v.buf;
    v.rebase(moved, 0);
    old.fill(0);
    assert.ok(fetchMethod(v, s) && s.buf === moved && s.equals('GET'));
    assert.ok(fetchPath(v, s) && s.equals('/p'));
  });

  test('see Connection as HAProxy’s rules do: without its close and keep-alive tokens', () => {
    const v = view('GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive, Foo\r\n\r\n');
    const c = headerName('connection');
    const s = new Span();
    assert.equal(countFields(v, c), 1);
    assert.ok(fetchField(v, c, -1, s) && s.equals('Foo'));
  });
});
