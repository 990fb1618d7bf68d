// The head fetches (core/http1/head-fetch.ts) side by side with haproxy 2.6.12: haproxy copies method, url, path,
// query, req.hdr / req.hdr_cnt / req.fhdr / req.fhdr_cnt and the Host into request headers (`http-request
// set-header … %[fetch]`, presence by `{ fetch -m found }`) that a recording backend reads; the same requests parsed
// into a HeadView must give the same values. Test thread; haproxy through tests/support/haproxy-process.ts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  countFields,
  countValues,
  fetchField,
  fetchHost,
  fetchMethod,
  fetchPath,
  fetchQuery,
  fetchUrl,
  fetchValue,
  headerName,
  Span,
} from '../../core/http1/head-fetch.js';
import { parseRequest } from '../../core/http1/head-parse.js';
import { HeadView } from '../../core/http1/head-view.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { classifyThroughProxy, startHttpRecorder, type HttpRecorder } from '../support/http-verdict.js';

const LIMITS = { maxHeadBytes: 16384, maxHeaders: 101 };

/** Each fetch haproxy evaluates: our label, haproxy's sample expression, whether absence is told apart. */
const FETCHES: readonly (readonly [string, string])[] = [
  ['method', 'method'],
  ['url', 'url'],
  ['path', 'path'],
  ['query', 'query'],
  ['host', 'req.hdr(host)'],
  ['hdr', 'req.hdr(x-a)'],
  ['hdr1', 'req.hdr(x-a,1)'],
  ['hdr2', 'req.hdr(x-a,2)'],
  ['hdr3', 'req.hdr(x-a,3)'],
  ['hdrm2', 'req.hdr(x-a,-2)'],
  ['hdrcnt', 'req.hdr_cnt(x-a)'],
  ['fhdr', 'req.fhdr(x-a)'],
  ['fhdr1', 'req.fhdr(x-a,1)'],
  ['fhdrm2', 'req.fhdr(x-a,-2)'],
  ['fhdrcnt', 'req.fhdr_cnt(x-a)'],
  ['conn', 'req.fhdr(connection)'],
  ['conncnt', 'req.hdr_cnt(connection)'],
  ['cookie', 'req.hdr(cookie,1)'],
];

const REQUESTS: readonly string[] = [
  'GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-A: a, "b,c" ,,d\r\nX-A: e\r\nConnection: keep-alive, Foo\r\n\r\n',
  'GET http://h:80/p?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
  'GET http://h HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET http://h?z HTTP/1.1\r\n\r\n',
  'GET https://u@h:443/p/?q?r HTTP/1.1\r\nHost: H:443\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: h\r\nX-A:\r\n\r\n',
  'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nX-A: ,\r\n\r\n',
  'GET /x? HTTP/1.1\r\nHost: h\r\nX-A: a\\"b, "c\\",d", e\r\n\r\n',
  'GET /q HTTP/1.1\r\nX-A: "a\\",b", c\r\nX-A: "\\\\", "x\\\r\n\r\n',
  'GET //a/b HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET h/a HTTP/1.1\r\n\r\n',
  'GET /a HTTP/1.1\r\nX-A: "unterminated, x\r\nX-A:  \t \r\nx-a: last\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nHost: h\r\nContent-Length: 0\r\nX-A: 1\r\n  2, 3\r\nCookie: a=1, b=2; c=3\r\n\r\n',
  'GET /p HTTP/1.0\r\nConnection: Keep-Alive, ,close, x ,y\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n',
  'get /%7e?%20 HTTP/1.1\r\nHOST: Mixed.Case\r\n\r\n',
];

/** What our fetches give for `raw`, as haproxy writes them: `<value>` or nothing when the fetch finds none. */
function ours(raw: string): Record<string, string> {
  const buf = Buffer.from(raw, 'latin1');
  const view = new HeadView();
  assert.ok(parseRequest(buf, 0, buf.length, view, LIMITS) > 0, `${JSON.stringify(raw)}: ${view.errorReason}`);
  const s = new Span();
  const x = headerName('X-A');
  const conn = headerName('Connection');
  const cookie = headerName('cookie');
  const found = (ok: boolean): string | undefined => (ok ? `<${s.toString()}>` : undefined);
  const all: Record<string, string | undefined> = {
    method: found(fetchMethod(view, s)),
    url: found(fetchUrl(view, s)),
    path: found(fetchPath(view, s)),
    query: found(fetchQuery(view, s)),
    host: found(fetchHost(view, s)),
    hdr: found(fetchValue(view, x, -1, s)),
    hdr1: found(fetchValue(view, x, 1, s)),
    hdr2: found(fetchValue(view, x, 2, s)),
    hdr3: found(fetchValue(view, x, 3, s)),
    hdrm2: found(fetchValue(view, x, -2, s)),
    hdrcnt: `<${countValues(view, x)}>`,
    fhdr: found(fetchField(view, x, -1, s)),
    fhdr1: found(fetchField(view, x, 1, s)),
    fhdrm2: found(fetchField(view, x, -2, s)),
    fhdrcnt: `<${countFields(view, x)}>`,
    conn: found(fetchField(view, conn, -1, s)),
    conncnt: `<${countValues(view, conn)}>`,
    cookie: found(fetchValue(view, cookie, 1, s)),
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (v !== undefined) out[k] = v;
  return out;
}

/** The x-f-* fields haproxy added, as `{ label: '<value>' }` for the fetches it found. */
function theirs(forwarded: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = forwarded.slice(0, forwarded.indexOf('\r\n\r\n')).split('\r\n');
  for (const [label] of FETCHES) {
    const value = lines.find((l) => l.startsWith(`x-f-${label}: `))?.slice(`x-f-${label}: `.length);
    if (value !== undefined && lines.includes(`x-found-${label}: 1`)) out[label] = value;
  }
  return out;
}

describe('head fetches agree with haproxy 2.6.12', () => {
  let recorder: HttpRecorder;
  let haproxy: HaproxyProcess;
  let port: number;

  before(async () => {
    recorder = await startHttpRecorder();
    port = await freeTcpPort();
    const rules = FETCHES.flatMap(([label, expr]) => [
      `  http-request set-header x-f-${label} "<%[${expr}]>"`,
      // Counts are always found; the others only when the fetch returns a sample.
      `  http-request set-header x-found-${label} 1 if { ${expr} -m found }`,
    ]);
    haproxy = await startHaproxy(
      [
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 2s',
        '  timeout server 2s',
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        ...rules,
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

  for (const raw of REQUESTS) {
    test(JSON.stringify(raw.slice(0, raw.indexOf('\r\n'))), async () => {
      const proxy = await classifyThroughProxy(port, recorder, raw);
      assert.equal(proxy.verdict.verdict, 'forwarded', proxy.answer.slice(0, 60));
      const expected = theirs(proxy.forwarded);
      assert.ok(Object.keys(expected).length >= 4, JSON.stringify(expected));
      assert.deepEqual(ours(raw), expected);
    });
  }
});
