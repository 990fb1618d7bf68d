// Issue 11, the rule answers in the HTTP sessions, side by side with haproxy 2.6.12 on one config text: a deny under
// keep-alive and under pipelining (the requests around it still served in order, nothing of them lost), return,
// redirect, tarpit (held, then answered; the server never sees the request), reject (closed without an answer),
// tcp-request content rules per request in mode http (frontend and backend),
// allow (stops its set), http-response deny (the server's response replaced by a 502; on the client address, as orcalb has no response fetches yet), auth (401 with the realm),
// each byte of the answer head compared with haproxy's where it is a fixed page. Before the wiring orcalb refused
// every one of these configs (fail closed).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawHttpConnection, type RawResponse } from '../support/http-client.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

function config(port: number, backendPorts: readonly number[]): string {
  return [
    'global',
    '  nbthread 2',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout tarpit 300ms',
    'userlist L',
    '  user alice insecure-password secret',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  tcp-request content reject if { path /tcp-reject }',
    '  http-request allow if { path /allowed-deny }',
    '  http-request deny if { path_beg /deny }',
    '  http-request deny deny_status 429 if { path /limited }',
    '  http-request return status 200 content-type text/plain string ok-from-rule if { path /return }',
    '  http-request redirect location /elsewhere code 302 if { path /redirect }',
    '  http-request tarpit if { path /tarpit }',
    '  http-request reject if { path /reject }',
    '  http-request auth realm Private if { path_beg /private } !{ http_auth(L) }',
    '  http-response deny if { src 127.0.0.4 }',
    '  default_backend be',
    'backend be',
    '  tcp-request content reject if { path /be-tcp-reject }',
    `  server s 127.0.0.1:${backendPorts[0]}`,

    '',
  ].join('\n');
}

function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;
}

/** The head's lines except Date-like varying ones, for byte comparison of fixed pages. */
function headLines(r: RawResponse): string[] {
  return r.head.split('\r\n').filter((l) => l !== '');
}

const answers = new Map<string, Map<string, RawResponse>>();

for (const subject of SUBJECTS) {
  describe(`rule answers: ${subject.name}`, () => {
    let backends: HttpBackends;
    let lb: LbProcess;
    let port: number;
    const mine = new Map<string, RawResponse>();
    answers.set(subject.name, mine);
    before(async () => {
      backends = await startHttpBackends(['s']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, backends.ports()), port);
    });
    after(async () => {
      // A failed start leaves no process: the backends still close, so the file ends.
      try {
        await lb?.stop();
      } finally {
        await backends?.close();
      }
    });

    test('deny, return, redirect and auth answer in place of the server; the connection stays for the next request', async (t) => {
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      for (const path of ['/deny', '/limited', '/return', '/redirect', '/private']) {
        c.write(get(path));
        const r = await c.response();
        mine.set(path, r);
      }
      c.write(get('/private', 'Authorization: Basic YWxpY2U6c2VjcmV0\r\n'));
      const authed = await c.response();
      c.write(get('/served'));
      const served = await c.response();
      assert.deepEqual(
        [...mine.values()].map((r) => r.status),
        [403, 429, 200, 302, 401],
      );
      assert.equal(mine.get('/return')?.body.toString(), 'ok-from-rule');
      assert.equal(mine.get('/redirect')?.headers.find(([n]) => n === 'location')?.[1], '/elsewhere');
      assert.match(mine.get('/private')?.headers.find(([n]) => n === 'www-authenticate')?.[1] ?? '', /^Basic realm="Private"$/);
      assert.equal(authed.status, 200);
      assert.equal(served.status, 200);
      // Only the authenticated request and the last one reached the server.
      assert.deepEqual(backends.requests.map((r) => r.head.split(' ')[1]), ['/private', '/served']);
      assert.equal(c.closed, false);
    });

    test('allow stops the set: a later deny does not apply', async (t) => {
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      c.write(get('/allowed-deny'));
      assert.equal((await c.response()).status, 200);
    });

    test('a deny in a pipeline: the requests before and after it are served, in order, nothing lost', async (t) => {
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      c.write(get('/p1') + get('/deny-me') + get('/p2') + get('/deny-again') + get('/p3'));
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await c.response()).status);
      assert.deepEqual(statuses, [200, 403, 200, 403, 200]);
      const paths = backends.requests.map((r) => r.head.split(' ')[1]);
      assert.deepEqual(paths.slice(-3), ['/p1', '/p2', '/p3']);
    });

    test('tarpit holds the request, then answers 500; the server never sees it', async (t) => {
      const before = backends.requests.length;
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      c.write(get('/tarpit'));
      const r = await c.response();
      assert.equal(r.status, 500);
      mine.set('/tarpit', r);
      assert.equal(backends.requests.length, before);
    });

    test('reject closes the connection without an answer', async (t) => {
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      c.write(get('/reject'));
      const got = await c.readUntil(3000);
      assert.equal(got.bytes, '');
      assert.equal(got.closed, true);
    });

    test('tcp-request content rules run per request in mode http (frontend and backend): a keep-alive request judged again', async (t) => {
      const c = await RawHttpConnection.open(port);
      t.after(() => c.destroy());
      c.write(get('/before'));
      assert.equal((await c.response()).status, 200);
      c.write(get('/tcp-reject'));
      const got = await c.readUntil(3000);
      assert.deepEqual(got, { bytes: '', closed: true });
      const b = await RawHttpConnection.open(port);
      t.after(() => b.destroy());
      b.write(get('/be-tcp-reject'));
      assert.deepEqual(await b.readUntil(3000), { bytes: '', closed: true });
      assert.equal(backends.requests.filter((r) => r.head.includes('reject')).length, 0);
    });

    test('http-response deny replaces the server response with a 502', async (t) => {
      const c = await RawHttpConnection.open(port, '127.0.0.4');
      t.after(() => c.destroy());
      c.write(get('/resdeny'));
      const r = await c.response();
      assert.equal(r.status, 502);
      mine.set('/resdeny', r);
    });
  });
}

test('orcalb answers with the same fixed pages as haproxy (status line, fields, body)', () => {
  const h = answers.get(HAPROXY_SUBJECT.name);
  const o = answers.get(ORCALB_SUBJECT.name);
  assert.ok(h !== undefined && o !== undefined);
  for (const path of ['/deny', '/limited', '/return', '/redirect', '/private', '/tarpit', '/resdeny']) {
    const a: RawResponse | undefined = h.get(path);
    const b: RawResponse | undefined = o.get(path);
    assert.ok(a !== undefined && b !== undefined, path);
    assert.deepEqual(headLines(b), headLines(a), path);
    assert.equal(b.body.toString('latin1'), a.body.toString('latin1'), path);
  }
});
