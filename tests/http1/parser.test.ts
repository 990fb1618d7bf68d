// Unit tests for the HTTP/1.x head parser (core/http1/parser.ts): request and response heads, incremental
// feeding, HAProxy's size limits, the header rewrites it forwards, serialisation, and the header-list lookups.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasToken, headerValue, headerValues } from '../../core/http1/header-list.js';
import {
  parseRequestHead,
  parseResponseHead,
  parseTrailerSection,
  serializeRequestHead,
  serializeResponseHead,
  type HeadResult,
  type RequestHead,
  type ResponseHead,
} from '../../core/http1/parser.js';

const LIMITS = { maxHeadBytes: 16384 };
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function okRequest(raw: string): { head: RequestHead; length: number } {
  const r = parseRequestHead(b(raw), LIMITS);
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  if (r.kind !== 'ok') throw new Error('unreachable');
  return r;
}

function errorOf<H>(r: HeadResult<H>): { status: number; reason: string } {
  assert.equal(r.kind, 'error', JSON.stringify(r));
  if (r.kind !== 'error') throw new Error('unreachable');
  return r;
}

describe('parseRequestHead', () => {
  test('returns method, target, version, headers with case kept and OWS trimmed, and the head length', () => {
    const raw = 'POST /api?x=1 HTTP/1.1\r\nHost: node1\r\nX-Mixed-Case:  v a l \t\r\nContent-Length: 4\r\n\r\nbody';
    const { head, length } = okRequest(raw);
    assert.equal(head.method, 'POST');
    assert.equal(head.target, '/api?x=1');
    assert.equal(head.version, '1.1');
    assert.deepEqual(head.headers, [
      { name: 'Host', value: 'node1' },
      { name: 'X-Mixed-Case', value: 'v a l' },
      { name: 'Content-Length', value: '4' },
    ]);
    assert.equal(length, raw.length - 4);
  });

  test('answers incomplete for every strict prefix of a valid head, then ok', () => {
    const raw = 'GET /x HTTP/1.1\r\nHost: a\r\nX-Fold: b\r\n c\r\n\r\n';
    for (let n = 0; n < raw.length; n++) {
      assert.equal(parseRequestHead(b(raw.slice(0, n)), LIMITS).kind, 'incomplete', `prefix of ${n} bytes`);
    }
    assert.equal(parseRequestHead(b(raw), LIMITS).kind, 'ok');
  });

  test('refuses garbage before the head is complete (a TLS ClientHello gets 400 at once)', () => {
    assert.equal(errorOf(parseRequestHead(b('\x16\x03\x01\x00'), LIMITS)).status, 400);
    assert.equal(errorOf(parseRequestHead(b('GET / HTTP/1.1\r\nHost : a'), LIMITS)).status, 400);
    assert.equal(errorOf(parseRequestHead(b('GET / HTTP/1.1\r\nX: a\rb'), LIMITS)).status, 400);
  });

  test('parses the first of two pipelined requests and reports where the second starts', () => {
    const first = 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n';
    const r = okRequest(`${first}GET /2 HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(r.length, first.length);
    assert.equal(r.head.target, '/1');
  });

  test('accepts LF-only line ends and empty lines before the request line', () => {
    const raw = '\r\n\nGET / HTTP/1.0\nHost: a\n\n';
    const { head, length } = okRequest(`${raw}next`);
    assert.equal(head.version, '1.0');
    assert.equal(length, raw.length);
  });

  test('joins an obs-fold like HAProxy: each CR and LF of the fold becomes a space', () => {
    assert.equal(headerValue(okRequest('GET / HTTP/1.1\r\nX: b\r\n c\r\n\r\n').head.headers, 'x'), 'b   c');
    assert.equal(headerValue(okRequest('GET / HTTP/1.1\nX: b\n\tc\n\n').head.headers, 'x'), 'b \tc');
    assert.equal(errorOf(parseRequestHead(b('GET / HTTP/1.1\r\n X: b\r\n\r\n'), LIMITS)).status, 400);
  });

  test('maps versions as HAProxy forwards them: 1.2 and 2.0 as 1.1, 0.9 as 1.0', () => {
    assert.equal(okRequest('GET / HTTP/1.2\r\n\r\n').head.version, '1.1');
    assert.equal(okRequest('GET / HTTP/2.0\r\n\r\n').head.version, '1.1');
    assert.equal(okRequest('GET / HTTP/0.9\r\n\r\n').head.version, '1.0');
  });

  test('refuses malformed request lines with 400', () => {
    for (const raw of [
      'G(T / HTTP/1.1\r\n\r\n',
      ' GET / HTTP/1.1\r\n\r\n',
      'GET /\r\n\r\n',
      'GET /a#b HTTP/1.1\r\n\r\n',
      'GET /\x7f\x80 HTTP/1.1\r\n\r\n',
      'GET / http/1.1\r\n\r\n',
      'GET / HTTP/1.1 \r\n\r\n',
      'GET / HTTP/1\r\n\r\n',
    ]) {
      assert.equal(errorOf(parseRequestHead(b(raw), LIMITS)).status, 400, JSON.stringify(raw));
    }
  });

  test('merges repeated equal Content-Length fields into one and drops Content-Length when TE is present', () => {
    const merged = okRequest('POST / HTTP/1.1\r\nContent-Length: 05, 5\r\nX: y\r\nContent-Length: 5\r\n\r\n');
    assert.deepEqual(headerValues(merged.head.headers, 'content-length'), ['05']);
    assert.equal(merged.head.headers.length, 2);
    const te = okRequest('POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n');
    assert.deepEqual(headerValues(te.head.headers, 'content-length'), []);
    assert.equal(headerValue(te.head.headers, 'transfer-encoding'), 'chunked');
  });

  // Issue 8 item 3: the session closes the client after such a request; the flag is how it knows (the field is gone).
  test('marks a request or response with both Transfer-Encoding and Content-Length as mustClose, and only those', () => {
    assert.equal(okRequest('POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n').head.mustClose, true);
    assert.equal(okRequest('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n').head.mustClose, undefined);
    assert.equal(okRequest('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n').head.mustClose, undefined);
    const res = parseResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n'), LIMITS);
    assert.ok(res.kind === 'ok');
    assert.equal(res.head.mustClose, true);
  });

  // Issue 8 item 7, measured on haproxy 2.6.12.
  test('drops Upgrade from a request with a body, keeps it with none, and checks WebSocket keys', () => {
    const up = 'Connection: Upgrade\r\nUpgrade: foo\r\n';
    assert.equal(headerValue(okRequest(`POST / HTTP/1.1\r\n${up}Content-Length: 1\r\n\r\n`).head.headers, 'upgrade'), undefined);
    assert.equal(headerValue(okRequest(`POST / HTTP/1.1\r\n${up}Transfer-Encoding: chunked\r\n\r\n`).head.headers, 'upgrade'), undefined);
    assert.equal(headerValue(okRequest(`POST / HTTP/1.1\r\n${up}Content-Length: 0\r\n\r\n`).head.headers, 'upgrade'), 'foo');
    const ws = 'GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n';
    okRequest(`${ws}Sec-WebSocket-Key: ${'k'.repeat(24)}\r\n\r\n`);
    for (const key of ['', `Sec-WebSocket-Key: ${'k'.repeat(23)}\r\n`, `Sec-WebSocket-Key: ${'k'.repeat(24)}, x\r\n`]) {
      assert.equal(errorOf(parseRequestHead(b(`${ws}${key}\r\n`), LIMITS)).status, 400, JSON.stringify(key));
    }
    // Without the Connection token it asks for no switch: nothing to check.
    okRequest('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n');
  });

  test('refuses ambiguous framing: different lengths (400) and a coding before chunked (422)', () => {
    const two = 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n';
    assert.equal(errorOf(parseRequestHead(b(two), LIMITS)).status, 400);
    const gzip = 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n';
    assert.equal(errorOf(parseRequestHead(b(gzip), LIMITS)).status, 422);
  });

  test('keeps one of several identical Host fields and refuses different ones or a mismatched absolute form', () => {
    assert.deepEqual(headerValues(okRequest('GET / HTTP/1.1\r\nHost: a\r\nhost: A\r\n\r\n').head.headers, 'host'), ['a']);
    assert.equal(errorOf(parseRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'), LIMITS)).status, 400);
    assert.equal(okRequest('GET http://u@a/x HTTP/1.1\r\nHost: a\r\n\r\n').head.target, 'http://u@a/x');
    assert.equal(errorOf(parseRequestHead(b('GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n'), LIMITS)).status, 400);
  });

  test('counts header fields against maxHeaders minus the start line', () => {
    const heads = (n: number): Buffer => b(`GET / HTTP/1.1\r\n${'X: 1\r\n'.repeat(n)}\r\n`);
    assert.equal(parseRequestHead(heads(4), { maxHeadBytes: 16384, maxHeaders: 5 }).kind, 'ok');
    assert.equal(errorOf(parseRequestHead(heads(5), { maxHeadBytes: 16384, maxHeaders: 5 })).reason, 'too many headers');
  });

  test('refuses a head that outgrows the buffer, complete or not, with 400', () => {
    const small = { maxHeadBytes: 1024 };
    const big = `GET / HTTP/1.1\r\nX: ${'a'.repeat(1200)}`;
    assert.equal(errorOf(parseRequestHead(b(big), small)).status, 400);
    assert.equal(errorOf(parseRequestHead(b(`${big}\r\n\r\n`), small)).status, 400);
    assert.equal(parseRequestHead(b(`GET / HTTP/1.1\r\nX: ${'a'.repeat(400)}\r\n\r\n`), small).kind, 'ok');
  });

  test('parses heads longer than its first decode windows (1 KiB, 4 KiB) and finds errors deep inside them', () => {
    for (const size of [900, 1200, 4300, 9000, 15000]) {
      // 160-byte lines keep 15000 bytes under the 100-field limit.
      const raw = `GET / HTTP/1.1\r\n${`X-Pad: ${'a'.repeat(151)}\r\n`.repeat(Math.floor(size / 160))}\r\n`;
      const r = parseRequestHead(b(`${raw}BODY`), LIMITS);
      assert.ok(r.kind === 'ok' && r.length === raw.length, `size ${size}: ${JSON.stringify(r).slice(0, 80)}`);
      assert.equal(parseRequestHead(b(raw.slice(0, -1)), LIMITS).kind, 'incomplete');
    }
    const deepError = `GET / HTTP/1.1\r\n${`X-Pad: ${'a'.repeat(151)}\r\n`.repeat(40)}Bad Name: x\r\n`;
    assert.equal(errorOf(parseRequestHead(b(deepError), LIMITS)).reason, 'invalid character in header name');
  });

  test('keeps NUL, control and Latin-1 bytes in values byte for byte', () => {
    const raw = 'GET / HTTP/1.1\r\nX: a\x00\x01\x7f\xe9\r\n\r\n';
    const { head } = okRequest(raw);
    assert.equal(headerValue(head.headers, 'X'), 'a\x00\x01\x7f\xe9');
    assert.deepEqual(serializeRequestHead(head), b(raw));
  });
});

describe('parseResponseHead', () => {
  test('returns version, status, reason and headers', () => {
    const raw = 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
    const r = parseResponseHead(b(raw), LIMITS);
    assert.deepEqual(r, {
      kind: 'ok',
      head: { version: '1.1', status: 404, reason: 'Not Found', headers: [{ name: 'Content-Length', value: '0' }] },
      length: raw.length,
    });
  });

  test('accepts an empty reason with or without the space', () => {
    for (const line of ['HTTP/1.0 204\r\n\r\n', 'HTTP/1.0 204 \r\n\r\n']) {
      const r = parseResponseHead(b(line), LIMITS);
      assert.ok(r.kind === 'ok' && r.head.status === 204 && r.head.reason === '' && r.head.version === '1.0');
    }
  });

  test('answers incomplete for every strict prefix, and 400 for a bad status line', () => {
    const raw = 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n';
    for (let n = 0; n < raw.length; n++) assert.equal(parseResponseHead(b(raw.slice(0, n)), LIMITS).kind, 'incomplete');
    for (const bad of ['HTTP/1.1 20x OK\r\n\r\n', 'HTTP/1.1200 OK\r\n\r\n', 'HTTP/1.1 \r\n\r\n', 'HTTP/1.1 200X Y\r\n\r\n', 'ICY 200 OK\r\n\r\n']) {
      assert.equal(errorOf(parseResponseHead(b(bad), LIMITS)).status, 400, JSON.stringify(bad));
    }
  });

  // Issue 8 item 9: haproxy 2.6.12 relays `099`, `5`, `1000` and `99999999999` status lines as they are, and keeps the
  // code modulo 2^16 (a `65740` is treated as a 204); these used to be refused (a 502 the server never caused).
  test('accepts any number of status digits, keeps them as sent, and reads the code modulo 2^16 as HAProxy does', () => {
    const cases: [string, number, string | undefined][] = [
      ['099', 99, '099'],
      ['5', 5, '5'],
      ['1000', 1000, '1000'],
      ['99999999999', 99999999999 % 65536, '99999999999'],
      ['65740', 204, '65740'],
      ['200', 200, undefined],
    ];
    for (const [digits, status, text] of cases) {
      const r = parseResponseHead(b(`HTTP/1.1 ${digits} X\r\nContent-Length: 2\r\n\r\n`), LIMITS);
      assert.ok(r.kind === 'ok', digits);
      assert.equal(r.head.status, status, digits);
      assert.equal(r.head.statusText, text, digits);
      assert.equal(serializeResponseHead(r.head).toString('latin1').split('\r\n')[0], `HTTP/1.1 ${digits} X`);
    }
  });

  test('drops the Content-Length and Transfer-Encoding of a 204 and of a 1xx, as HAProxy does (a 304 keeps them)', () => {
    for (const line of ['HTTP/1.1 204 No Content', 'HTTP/1.1 100 Continue', 'HTTP/1.1 101 Switching Protocols']) {
      for (const framing of ['Content-Length: 2', 'Transfer-Encoding: chunked']) {
        const r = parseResponseHead(b(`${line}\r\n${framing}\r\nX: y\r\n\r\n`), LIMITS);
        assert.ok(r.kind === 'ok');
        assert.deepEqual(r.head.headers, [{ name: 'X', value: 'y' }], `${line} ${framing}`);
      }
    }
    const notModified = parseResponseHead(b('HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'), LIMITS);
    assert.ok(notModified.kind === 'ok');
    assert.equal(notModified.head.headers.length, 1);
  });

  test('refuses a response whose Transfer-Encoding names another coding', () => {
    assert.equal(errorOf(parseResponseHead(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'), LIMITS)).status, 400);
  });

  test('drops Content-Length when the response is chunked', () => {
    const r = parseResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'), LIMITS);
    assert.ok(r.kind === 'ok');
    assert.deepEqual(r.head.headers, [{ name: 'Transfer-Encoding', value: 'chunked' }]);
  });
});

describe('parseTrailerSection', () => {
  test('re-serialises trailers as HAProxy forwards them: lower-case names, folds joined, CRLF', () => {
    assert.equal(parseTrailerSection('\r\n', LIMITS), '\r\n');
    assert.equal(parseTrailerSection('\n', LIMITS), '\r\n');
    assert.equal(parseTrailerSection('X-T:  1 \r\n 2\r\nX-U:3\n\n', LIMITS), 'x-t: 1    2\r\nx-u: 3\r\n\r\n');
  });

  test('refuses more than 100 trailer fields and a section over 15311 parsed bytes (measured on haproxy 2.6.12)', () => {
    const fields = (n: number): string => `${'X: a\r\n'.repeat(n)}\r\n`;
    assert.equal(typeof parseTrailerSection(fields(100), LIMITS), 'string');
    assert.notEqual(typeof parseTrailerSection(fields(101), LIMITS), 'string');
    // One field costs 8 + name + value, the end mark 8: `X-A` with 15292 value bytes is exactly 15311.
    assert.equal(typeof parseTrailerSection(`X-A: ${'a'.repeat(15292)}\r\n\r\n`, LIMITS), 'string');
    assert.notEqual(typeof parseTrailerSection(`X-A: ${'a'.repeat(15293)}\r\n\r\n`, LIMITS), 'string');
  });
});

describe('serializeRequestHead / serializeResponseHead', () => {
  test('writes the start line, each field and the empty line', () => {
    const req: RequestHead = { method: 'GET', target: '/', version: '1.1', headers: [{ name: 'Host', value: 'a' }] };
    assert.equal(serializeRequestHead(req).toString('latin1'), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const res: ResponseHead = { version: '1.0', status: 200, reason: 'OK', headers: [] };
    assert.equal(serializeResponseHead(res).toString('latin1'), 'HTTP/1.0 200 OK\r\n\r\n');
  });

  test('round-trips a parsed head to the same bytes', () => {
    const raw = 'PUT /a%20b HTTP/1.1\r\nHost: x\r\nX-Empty: \r\nContent-Length: 0\r\n\r\n';
    assert.equal(serializeRequestHead(okRequest(raw).head).toString('latin1'), raw);
    const resRaw = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    const res = parseResponseHead(b(resRaw), LIMITS);
    assert.ok(res.kind === 'ok');
    assert.equal(serializeResponseHead(res.head).toString('latin1'), resRaw);
  });
});

describe('header list lookups', () => {
  const headers = [
    { name: 'Connection', value: 'keep-alive, Upgrade' },
    { name: 'X-A', value: '1' },
    { name: 'x-a', value: '2, 3' },
  ];

  test('headerValue returns the first match, case-insensitively, or undefined', () => {
    assert.equal(headerValue(headers, 'X-a'), '1');
    assert.equal(headerValue(headers, 'missing'), undefined);
  });

  test('headerValues returns every match in order, unsplit', () => {
    assert.deepEqual(headerValues(headers, 'X-A'), ['1', '2, 3']);
    assert.deepEqual(headerValues(headers, 'nope'), []);
  });

  test('hasToken finds a token in comma lists, case-insensitively, and only whole elements', () => {
    assert.equal(hasToken(headers, 'connection', 'upgrade'), true);
    assert.equal(hasToken(headers, 'Connection', 'KEEP-ALIVE'), true);
    assert.equal(hasToken(headers, 'Connection', 'close'), false);
    assert.equal(hasToken(headers, 'Connection', 'keep'), false);
    assert.equal(hasToken(headers, 'x-a', '3'), true);
  });
});
