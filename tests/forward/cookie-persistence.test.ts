// Cookie persistence as pure functions: the Cookie line rewriting (pinned to what haproxy 2.6.12 forwarded for the
// same lines), the server a cookie names, the persist/redispatch decision, cacheability and the response cookie.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CookieConfig, ServerConfig } from '../../config/model.js';
import { parseSetCookie, scanRequestCookie } from '../../core/forward/cookie-header.js';
import {
  applyResponseCookie,
  insertedCookie,
  persistedServer,
  persistenceDecision,
  responseCacheable,
  type PersistedServer,
} from '../../core/forward/cookie-persistence.js';
import type { HeaderField } from '../../core/http1/header-list.js';
import type { RequestHead, ResponseHead } from '../../core/http1/parser.js';
import { cookieConfigOf } from '../support/cookie-cases.js';

type Pairs = readonly (readonly [string, string])[];
const fields = (pairs: Pairs): HeaderField[] => pairs.map(([name, value]) => ({ name, value }));
const req = (pairs: Pairs = [], method = 'GET'): RequestHead => ({ method, target: '/', version: '1.1', headers: fields(pairs) });
const res = (pairs: Pairs = [], status = 200): ResponseHead => ({ version: '1.1', status, reason: 'OK', headers: fields(pairs) });

function server(name: string, cookie?: string): ServerConfig {
  return {
    source: { file: 't', line: 1 }, name, address: '127.0.0.1', port: 1, weight: 1, backup: false, disabled: false,
    maxconn: 0, maxqueue: 0, check: false, inter: 2000, fastinter: 2000, downinter: 2000, rise: 2, fall: 3,
    sendProxy: 'none', checkSendProxy: false, slowstart: 0, ...(cookie === undefined ? {} : { cookie }),
  };
}
const SERVERS = [server('a', 'c1'), server('b', 'c2'), server('c', 'c1'), server('d')];
const INSERT: CookieConfig = cookieConfigOf('SRV insert indirect nocache');

test('insert indirect: the Cookie line loses our cookie exactly as haproxy forwards it', () => {
  const remove = { prefix: false, remove: true };
  // Left: the Cookie value the client sent (trimmed, as parsers hand it over); right: what haproxy 2.6.12 sent on.
  const pinned: readonly (readonly [string, string | undefined])[] = [
    ['a = 1 ;SRV=c1', 'a=1 '],
    ['a=1 ; SRV=c1', 'a=1 '],
    ['SRV=c1 ; a=1', 'a=1'],
    ['a=1;SRV=c1;b=2', 'a=1; b=2'],
    ['a=1,SRV=c1, b=2', 'a=1, b=2'],
    ['$Version=1; SRV=c1; $Path=/', undefined],
    ['SRV=c1;;a=1', ';a=1'],
    ['x; SRV=c1', 'x'],
    ['SRV=c1|abcde; a=1', 'a=1'],
    ['a="x;SRV=c1"; SRV=c1', 'a="x;SRV=c1"'],
    ['SRV=c1, a=1', 'a=1'],
    ['SRV=c1 ;a=1', 'a=1'],
    ['a=1; SRV=c1; SRV=c2; b=2', 'a=1; b=2'],
    ['SRV=c1; SRV=c1', undefined],
    ['a=1;  SRV=c1  ;  b=2', 'a=1; b=2'],
    ['SRV', 'SRV'],
    ['SRV=', undefined],
    ['a=1; SRV; b=2', 'a=1; SRV; b=2'],
  ];
  for (const [input, forwarded] of pinned) assert.equal(scanRequestCookie(input, 'SRV', remove).value, forwarded, input);
});

test('prefix: the server id and its ~ are stripped, as haproxy forwards it', () => {
  const prefix = { prefix: true, remove: false };
  const pinned: readonly (readonly [string, string])[] = [
    ['SRV=c1~abc', 'SRV=abc'],
    ['SRV=c1', 'SRV=c1'],
    ['SRV=~abc', 'SRV=abc'],
    ['x=1; SRV=c1~a~b; y=2', 'x=1; SRV=a~b; y=2'],
    ['SRV = c1~abc ; z=1', 'SRV=abc ; z=1'],
    ['SRV=zz~abc', 'SRV=abc'],
  ];
  for (const [input, forwarded] of pinned) assert.equal(scanRequestCookie(input, 'SRV', prefix).value, forwarded, input);
});

test('the server id of each occurrence stops at | (date) or, in prefix mode, at ~', () => {
  const keep = { prefix: false, remove: false };
  assert.deepEqual(scanRequestCookie('SRV=c1|abcde|fghij', 'SRV', keep).ids, ['c1']);
  assert.deepEqual(scanRequestCookie('a=1; SRV=c1; SRV=c2', 'SRV', keep).ids, ['c1', 'c2']);
  assert.deepEqual(scanRequestCookie('SRV=; srv=c1; XSRV=c1', 'SRV', keep).ids, ['']);
  assert.deepEqual(scanRequestCookie('SRV=c1~x', 'SRV', { prefix: true, remove: false }).ids, ['c1']);
  assert.deepEqual(scanRequestCookie('SRV=c1~x', 'SRV', keep).ids, ['c1~x']);
  // Without removal the line only loses blanks around '='.
  assert.equal(scanRequestCookie('a = 1; SRV=c1', 'SRV', keep).value, 'a=1; SRV=c1');
});

test('Set-Cookie: the first pair is found and blanks around = squeezed; no = means not a cookie', () => {
  const p = parseSetCookie('SRV = app ; path=/');
  assert.equal(p?.name, 'SRV');
  assert.equal(p?.text, 'SRV=app ; path=/');
  assert.equal(p?.text.slice(p.valueStart, p.valueEnd), 'app');
  assert.equal(parseSetCookie('Secure; HttpOnly'), undefined);
  const quoted = parseSetCookie('a="x;y"; path=/');
  assert.equal(quoted?.text.slice(quoted.valueStart, quoted.valueEnd), '"x;y"');
});

test('persistedServer: the servers a cookie names, in config order, and the rewritten headers', () => {
  const head = req([['Host', 'h'], ['Cookie', 'a=1; SRV=c1'], ['Accept', '*/*']]);
  const r = persistedServer(INSERT, head, SERVERS);
  assert.equal(r.server, 0);
  assert.deepEqual(r.matches, [0, 2]);
  assert.equal(r.present, true);
  assert.deepEqual(r.rewrittenHeaders, fields([['Host', 'h'], ['Cookie', 'a=1'], ['Accept', '*/*']]));
  // Nothing to change: no rewritten list, the caller forwards the original headers.
  const plain = persistedServer(cookieConfigOf('SRV insert'), head, SERVERS);
  assert.equal(plain.rewrittenHeaders, undefined);
  assert.deepEqual(plain.matches, [0, 2]);
});

test('persistedServer: no cookie, an unknown or empty value name no server', () => {
  assert.deepEqual(persistedServer(INSERT, req([['Host', 'h']]), SERVERS), { server: undefined, matches: [], present: false });
  const unknown = persistedServer(INSERT, req([['Cookie', 'SRV=zz']]), SERVERS);
  assert.deepEqual([unknown.server, unknown.present, unknown.rewrittenHeaders], [undefined, true, []]);
  // An empty value never matches the cookie-less server d.
  assert.deepEqual(persistedServer(cookieConfigOf('SRV insert'), req([['Cookie', 'SRV=']]), SERVERS).matches, []);
});

test('persistedServer: later occurrences and Cookie lines add their servers; prefix strips every line', () => {
  const r = persistedServer(INSERT, req([['Cookie', 'SRV=zz'], ['cookie', 'x=1; SRV=c2']]), SERVERS);
  assert.deepEqual(r.matches, [1]);
  assert.deepEqual(r.rewrittenHeaders, fields([['cookie', 'x=1']]));
  const p = persistedServer(cookieConfigOf('J prefix'), req([['Cookie', 'J=c2~s1'], ['Cookie', 'J=c1~s2']]), SERVERS);
  assert.deepEqual(p.matches, [1, 0, 2]);
  assert.deepEqual(p.rewrittenHeaders, fields([['Cookie', 'J=s1'], ['Cookie', 'J=s2']]));
});

function lookup(matches: number[], present = true): PersistedServer {
  return { server: matches[0], matches, present };
}

test('persistenceDecision: the first running server the cookie names, else the balancer', () => {
  const up = (down: number[]) => (i: number) => !down.includes(i);
  const none = { persist: false, redispatch: false };
  assert.deepEqual(persistenceDecision(lookup([], false), up([]), none), { server: undefined, status: 'none', forced: false, redispatch: 'never' });
  assert.deepEqual(persistenceDecision(lookup([]), up([]), none), { server: undefined, status: 'invalid', forced: false, redispatch: 'never' });
  assert.deepEqual(persistenceDecision(lookup([0, 2]), up([]), none), { server: 0, status: 'valid', forced: false, redispatch: 'never' });
  // A shared cookie value skips a down server for the next one that runs.
  assert.deepEqual(persistenceDecision(lookup([0, 2]), up([0]), none), { server: 2, status: 'valid', forced: false, redispatch: 'never' });
  assert.deepEqual(persistenceDecision(lookup([0, 2]), up([0, 2]), none), { server: undefined, status: 'down', forced: false, redispatch: 'never' });
  assert.equal(persistenceDecision(lookup([1]), up([]), { persist: false, redispatch: true }).redispatch, 'on-last-retry');
});

test('persistenceDecision: option persist keeps a down server, redispatch leaves it on the first failure', () => {
  const allDown = (): boolean => false;
  assert.deepEqual(persistenceDecision(lookup([0, 2]), allDown, { persist: true, redispatch: false }), {
    server: 0, status: 'down', forced: true, redispatch: 'never',
  });
  assert.deepEqual(persistenceDecision(lookup([1]), allDown, { persist: true, redispatch: true }), {
    server: 1, status: 'down', forced: true, redispatch: 'at-once',
  });
  // persist only matters for down servers: a running one is simply valid.
  assert.equal(persistenceDecision(lookup([1]), () => true, { persist: true, redispatch: true }).forced, false);
});

test('responseCacheable follows HAProxy: safe method, cacheable status, freshness or validator', () => {
  const age = [['Cache-Control', 'max-age=5']] as const;
  assert.equal(responseCacheable(req(), res(age)), true);
  assert.equal(responseCacheable(req(), res()), false);
  assert.equal(responseCacheable(req(), res([['ETag', '"x"']])), true);
  assert.equal(responseCacheable(req(), res([['Expires', 'Thu, 01 Jan 2037 00:00:00 GMT']])), true);
  assert.equal(responseCacheable(req([], 'POST'), res(age)), false);
  assert.equal(responseCacheable(req([], 'HEAD'), res(age, 404)), true);
  assert.equal(responseCacheable(req(), res(age, 302)), false);
  assert.equal(responseCacheable(req([], 'POST'), res([['Cache-Control', 'public, max-age=5']], 302)), true);
  assert.equal(responseCacheable(req(), res([['Cache-Control', 'max-age=5, private']])), false);
  assert.equal(responseCacheable(req(), res([['Cache-Control', 'private'], ['cache-control', 'public, s-maxage=9']])), true);
  assert.equal(responseCacheable(req(), res([['Pragma', 'no-cache'], ...age])), false);
  assert.equal(responseCacheable(req(), res([['Cache-Control', 'no-cache="set-cookie", max-age=5']])), true);
});

test('insertedCookie: NAME=VALUE; path=/ then domains, HttpOnly, Secure; a server without cookie expires it', () => {
  const all = cookieConfigOf('SRV insert secure httponly domain a.example domain .b.example');
  assert.equal(insertedCookie(all, server('a', 'c1')), 'SRV=c1; path=/; domain=a.example; domain=.b.example; HttpOnly; Secure');
  assert.equal(insertedCookie(INSERT, server('d')), 'SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/');
});

test('applyResponseCookie insert: appended after the server headers, not for a direct request or a GET with postonly', () => {
  const response = res([['Content-Type', 'text/plain'], ['Cache-Control', 'max-age=5']]);
  assert.deepEqual(applyResponseCookie(INSERT, server('a', 'c1'), req(), response, false), [
    ...response.headers,
    { name: 'set-cookie', value: 'SRV=c1; path=/' },
    { name: 'cache-control', value: 'private' },
  ]);
  assert.deepEqual(applyResponseCookie(INSERT, server('a', 'c1'), req(), response, true), response.headers);
  const postonly = cookieConfigOf('SRV insert postonly');
  assert.deepEqual(applyResponseCookie(postonly, server('a', 'c1'), req(), res(), false), []);
  assert.deepEqual(applyResponseCookie(postonly, server('a', 'c1'), req([], 'POST'), res(), false), [
    { name: 'set-cookie', value: 'SRV=c1; path=/' },
  ]);
});

test('applyResponseCookie: the server own cookie is dropped in insert mode, kept when it has another name', () => {
  const response = res([['Set-Cookie', 'SRV=mine'], ['Set-Cookie', 'sid=1; path=/'], ['Set-Cookie', 'Secure']]);
  assert.deepEqual(applyResponseCookie(INSERT, server('a', 'c1'), req(), response, true), fields([
    ['Set-Cookie', 'sid=1; path=/'],
    ['Set-Cookie', 'Secure'],
  ]));
});

test('applyResponseCookie rewrite and prefix change only the value of the server own cookie', () => {
  const a = server('a', 'c1');
  const own = res([['Set-Cookie', 'SRV=app; Max-Age=60'], ['X', 'y']]);
  assert.deepEqual(applyResponseCookie(cookieConfigOf('SRV rewrite'), a, req(), own, false), fields([
    ['Set-Cookie', 'SRV=c1; Max-Age=60'],
    ['X', 'y'],
  ]));
  assert.deepEqual(applyResponseCookie(cookieConfigOf('SRV prefix'), a, req(), own, false)[0], {
    name: 'Set-Cookie', value: 'SRV=c1~app; Max-Age=60',
  });
  // A server without cookie value leaves it alone; prefix indirect drops it on a direct request.
  assert.deepEqual(applyResponseCookie(cookieConfigOf('SRV rewrite'), server('d'), req(), own, false), own.headers);
  assert.deepEqual(applyResponseCookie(cookieConfigOf('SRV prefix indirect'), a, req(), own, true), fields([['X', 'y']]));
});

test('applyResponseCookie leaves interim 1xx answers alone but handles 101', () => {
  assert.deepEqual(applyResponseCookie(INSERT, server('a', 'c1'), req(), res([], 100), false), []);
  assert.deepEqual(applyResponseCookie(INSERT, server('a', 'c1'), req(), res([['Upgrade', 'websocket']], 101), false), [
    { name: 'Upgrade', value: 'websocket' },
    { name: 'set-cookie', value: 'SRV=c1; path=/' },
  ]);
});
