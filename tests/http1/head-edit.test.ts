// Unit tests of the byte-level rewriter (core/http1/head-edit.ts, head-rewrite.ts, head-rules.ts, head-cookie.ts):
// the exact bytes for the benchmark's own heads, the edit operations, writing at an offset into a caller's buffer
// (and refusing one too small), rules and cookies on a HeadEdit. Byte-for-byte agreement with today's serialiser over
// the corpus and mutations is head-rewrite-differential.test.ts's job.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CookieConfig, HeaderRule, ProxyOptions, ServerConfig } from '../../config/model.js';
import { requestCookie, responseCookie } from '../../core/http1/head-cookie.js';
import { HeadEdit } from '../../core/http1/head-edit.js';
import { parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { rewriteRequest, rewriteResponse, type ProxyRewrite } from '../../core/http1/head-rewrite.js';
import { applyRules } from '../../core/http1/head-rules.js';
import { HeadView } from '../../core/http1/head-view.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };
const SOURCE = { file: 'test.cfg', line: 1 };
const OPTIONS: ProxyOptions = {
  redispatch: false,
  allbackups: false,
  dontlognull: false,
  tcplog: false,
  httplog: false,
  httpServerClose: false,
  httpKeepAlive: false,
  httpClose: false,
};
const PLAIN: ProxyRewrite = { options: OPTIONS };

function view(raw: string, isRequest = true): HeadView {
  const v = new HeadView();
  const buf = Buffer.from(raw, 'latin1');
  const n = isRequest ? parseRequest(buf, 0, buf.length, v, LIMITS) : parseResponse(buf, 0, buf.length, v, LIMITS);
  assert.ok(n > 0, `${JSON.stringify(raw)}: ${v.errorReason}`);
  return v;
}

function edited(v: HeadView, change: (e: HeadEdit) => void = () => undefined): string {
  const e = new HeadEdit();
  e.begin(v);
  change(e);
  return e.toBuffer().toString('latin1');
}

describe('HeadEdit', () => {
  test('writes wrk’s GET and nginx’s 200 as HAProxy forwards them in keep-alive mode', () => {
    const req = view('GET /small HTTP/1.1\r\nHost: 127.0.0.1:19082\r\n\r\n');
    const r = { frontend: PLAIN, backend: PLAIN, ruleContext: {}, clientAddress: '127.0.0.1', localAddress: undefined, serverClose: false };
    assert.equal(edited(req, (e) => rewriteRequest(e, req, r)), 'GET /small HTTP/1.1\r\nhost: 127.0.0.1:19082\r\n\r\n');
    const res = view(
      'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n',
      false,
    );
    const s = { frontend: PLAIN, backend: PLAIN, ruleContext: {}, clientClose: false, requestVersion: '1.1' as const };
    assert.equal(
      edited(res, (e) => rewriteResponse(e, res, s)),
      'HTTP/1.1 200 OK\r\nserver: nginx/1.22.1\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\n',
    );
    // Closing: HTTP/1.1 gets `connection: close` in place of the dropped keep-alive field.
    assert.match(edited(res, (e) => rewriteResponse(e, res, { ...s, clientClose: true })), /content-length: 3\r\nconnection: close\r\n\r\n$/);
  });

  test('normalises what HAProxy normalises: blanks, LF-only lines, folds, versions, an empty reason', () => {
    assert.equal(edited(view('GET  /a\tHTTP/1.2\nX-A:b \t\nX-F: 1\n 2\n\n')), 'GET /a HTTP/1.1\r\nx-a: b\r\nx-f: 1  2\r\n\r\n');
    assert.equal(edited(view('HTTP/1.0 204\r\nX: y\r\n\r\n', false)), 'HTTP/1.0 204 \r\nx: y\r\n\r\n');
  });

  test('writes at an offset, returns the length, and refuses a buffer one byte too small without writing', () => {
    const e = new HeadEdit();
    e.begin(view('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
    const n = e.byteLength();
    const out = Buffer.alloc(10 + n, 0x2e);
    assert.equal(e.write(out.subarray(0, 10 + n - 1), 10), -1);
    assert.equal(out.toString('latin1', 10), '.'.repeat(n));
    assert.equal(e.write(out, 10), n);
    assert.equal(out.toString('latin1'), `${'.'.repeat(10)}GET / HTTP/1.1\r\nhost: a\r\n\r\n`);
  });

  test('drops, replaces and appends fields; find() and setConnection() see appended ones too', () => {
    const v = view('GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nConnection: x\r\n\r\n');
    const out = edited(v, (e) => {
      e.drop(e.find('x-a'));
      e.setValue(e.find('host'), 'b');
      e.append('X-Added', 'v');
      e.cleanConnection();
      e.setConnection('close', false);
    });
    assert.equal(out, 'GET / HTTP/1.1\r\nhost: b\r\nconnection: close\r\nx-added: v\r\n\r\n');
    const appended = edited(view('GET / HTTP/1.1\r\n\r\n'), (e) => {
      e.append('Connection', 'upgrade');
      e.setConnection('keep-alive', false);
    });
    assert.equal(appended, 'GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n');
    // An upgrade keeps the Connection field as it is.
    assert.equal(edited(view('GET / HTTP/1.1\r\nConnection: Upgrade\r\n\r\n'), (e) => e.setConnection('close', true)), 'GET / HTTP/1.1\r\nconnection: Upgrade\r\n\r\n');
  });

  test('cleans Connection fields: close and keep-alive go, other tokens stay, an emptied field is dropped', () => {
    const v = view('GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close ,Upgrade,, TE\r\nConnection: foo\r\n\r\n');
    assert.equal(edited(v, (e) => e.cleanConnection()), 'GET / HTTP/1.1\r\nconnection: Upgrade, TE\r\nconnection: foo\r\n\r\n');
  });

  test('applies header rules in order, conditions decided once per rule, values expanded', () => {
    const rule = (action: HeaderRule['action'], name: string, value?: string, condition?: HeaderRule['condition']): HeaderRule => ({
      source: SOURCE,
      action,
      name,
      ...(value === undefined ? {} : { value }),
      ...(condition === undefined ? {} : { condition }),
    });
    const rules = [
      rule('add-header', 'X-Seen', 'a'),
      rule('set-header', 'x-seen', 'b %[src]:%[src_port]'),
      rule('del-header', 'HOST'),
      rule('add-header', 'X-Never', 'n', { negate: false, text: 'FALSE' }),
      rule('add-header', 'X-Unless', 'u', { negate: true, text: 'FALSE' }),
    ];
    const out = edited(view('GET / HTTP/1.1\r\nHost: a\r\nX-Seen: old\r\n\r\n'), (e) => applyRules(e, rules, { src: '10.0.0.1', srcPort: 5 }));
    assert.equal(out, 'GET / HTTP/1.1\r\nx-seen: b 10.0.0.1:5\r\nx-unless: u\r\n\r\n');
  });

  test('appends X-Forwarded-For unless if-none finds one, and X-Original-To for an IPv4 destination', () => {
    const ff = { header: 'X-Forwarded-For', ifNone: true };
    const fe: ProxyRewrite = { options: { ...OPTIONS, forwardfor: ff, originalto: { header: 'X-Original-To' } } };
    const r = { frontend: fe, backend: PLAIN, ruleContext: {}, clientAddress: '10.1.1.1', localAddress: '10.2.2.2', serverClose: true };
    const plain = view('GET / HTTP/1.1\r\n\r\n');
    assert.equal(
      edited(plain, (e) => rewriteRequest(e, plain, r)),
      'GET / HTTP/1.1\r\nx-forwarded-for: 10.1.1.1\r\nx-original-to: 10.2.2.2\r\nconnection: close\r\n\r\n',
    );
    const proxied = view('GET / HTTP/1.0\r\nx-forwarded-FOR: 9.9.9.9\r\n\r\n');
    assert.equal(
      edited(proxied, (e) => rewriteRequest(e, proxied, { ...r, localAddress: '::1', serverClose: false })),
      'GET / HTTP/1.0\r\nx-forwarded-for: 9.9.9.9\r\nconnection: keep-alive\r\n\r\n',
    );
  });
});

describe('cookie persistence on a HeadEdit', () => {
  const cookie: CookieConfig = {
    source: SOURCE,
    name: 'SRV',
    mode: 'insert',
    indirect: true,
    nocache: true,
    postonly: false,
    httponly: false,
    secure: false,
    domains: [],
  };
  const server = (name: string, value?: string): ServerConfig => ({
    source: SOURCE,
    name,
    address: '127.0.0.1',
    port: 1,
    weight: 1,
    backup: false,
    disabled: false,
    maxconn: 0,
    maxqueue: 0,
    check: false,
    inter: 2000,
    fastinter: 2000,
    downinter: 2000,
    rise: 2,
    fall: 3,
    sendProxy: 'none',
    checkSendProxy: false,
    slowstart: 0,
    ...(value === undefined ? {} : { cookie: value }),
  });
  const servers = [server('a', 'c1'), server('b', 'c2')];

  test('reads the cookie from every Cookie field and removes it (insert indirect)', () => {
    const v = view('GET / HTTP/1.1\r\nCookie: x=1; SRV=c2\r\nCookie: SRV=c1\r\n\r\n');
    const e = new HeadEdit();
    e.begin(v);
    assert.deepEqual(requestCookie(e, cookie, servers), { server: 1, matches: [1, 0], present: true });
    assert.equal(e.toBuffer().toString('latin1'), 'GET / HTTP/1.1\r\ncookie: x=1\r\n\r\n');
  });

  test('removes the server’s own cookie, inserts ours, and marks a cacheable answer private', () => {
    const v = view('HTTP/1.1 200 OK\r\nSet-Cookie: SRV=zz; path=/\r\nCache-Control: max-age=60\r\n\r\n', false);
    const out = edited(v, (e) =>
      responseCookie(e, { cookie, server: servers[0] ?? server('x'), method: 'GET', status: 200, version: '1.1', direct: false }),
    );
    assert.equal(out, 'HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\nset-cookie: SRV=c1; path=/\r\ncache-control: private\r\n\r\n');
  });
});
