// Every fetch and every match flag of core/acl/, as a table of (ACL test, hand-built connection/request) → PASS,
// FAIL or MISS (three-valued, as HAProxy's ACL engine answers), evaluated by the production parse → compile →
// evaluate path. The facts each row encodes were measured on haproxy 2.6.12 where the manual leaves them open
// (url_param separators, path of an absolute URI, base without Host, field/word counting).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACL, clientHello, testContext, testResult, testState, type ContextSpec } from '../support/acl-context.js';

const GET =
  'GET /api/v1/items.json?id=42&tag=a;x=1 HTTP/1.1\r\n' +
  'Host: Www.Example.com:8080\r\n' +
  'X-Forwarded-For: 10.1.2.3, 2001:db8::1\r\n' +
  'X-Forwarded-For: 172.16.0.9:443\r\n' +
  'X-List: a, "b,c" , d\r\n' +
  'Cookie: sess=abc; theme = dark\r\n' +
  'Cookie: sess=def\r\n' +
  'Content-Length: 5\r\n' +
  'User-Agent: Mozilla/5.0 (X11, Linux)\r\n' +
  'Authorization: Basic YWxpY2U6c2VjcmV0\r\n' +
  '\r\n';

const CTX: Readonly<Record<string, ContextSpec>> = {
  get: { request: GET, src: '192.168.1.10', srcPort: 40000, dst: '10.0.0.1', dstPort: 8080 },
  post10: { request: 'post /Upload HTTP/1.0\r\nHost: a\r\n\r\n', src: '::1', srcPort: 80 },
  abs: { request: 'GET http://h.example/x/y?q HTTP/1.1\r\nHost: h.example\r\n\r\n' },
  absNoPath: { request: 'GET http://h.example HTTP/1.1\r\nHost: h.example\r\n\r\n' },
  noHost: { request: 'OPTIONS * HTTP/1.1\r\n\r\n', src: '::ffff:127.0.0.1' },
  bob: { request: 'GET / HTTP/1.1\r\nAuthorization: basic Ym9iOnNlY3JldA==\r\n\r\n' },
  badAuth: { request: 'GET / HTTP/1.1\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n' },
  v6: { src: '2001:db8::5', dst: '::1' },
  api: { payload: 'API 0 8 / 0_1_4_2\nconnect\n' },
  api2: { payload: 'API2 0 8\n' },
  http: { payload: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' },
  httpPart: { payload: 'GET / HT', final: false },
  two: { payload: 'AP', final: false },
  twoFinal: { payload: 'AP', final: true },
  junk: { payload: '\x00\x01garbage' },
  tls: { payload: clientHello('db.example.com') },
  tlsNoSni: { payload: clientHello(undefined) },
  tlsPart: { payload: clientHello('db.example.com').subarray(0, 20), final: false },
  empty: { payload: '', final: false },
  backend: { backend: 0, request: 'GET / HTTP/1.1\r\n\r\n' },
  waiting: { waitEnded: false },
  waited: { waitEnded: true },
};

type Row = readonly [criterion: string, context: keyof typeof CTX, expected: 'PASS' | 'FAIL' | 'MISS'];

const ROWS: readonly Row[] = [
  // Constants and L4.
  ['always_true', 'get', 'PASS'],
  ['always_false', 'get', 'FAIL'],
  ['str(abc) abc', 'get', 'PASS'],
  ['int(42) 40:50', 'get', 'PASS'],
  ['src 192.168.0.0/16', 'get', 'PASS'],
  ['src 192.168.1.10', 'get', 'PASS'],
  ['src 10.0.0.0/8 172.16.0.0/12', 'get', 'FAIL'],
  ['src 192.168.1', 'get', 'FAIL'],
  ['src 192.168.1.10/255.255.255.0', 'get', 'PASS'],
  ['src ::ffff:192.168.1.10', 'get', 'PASS'],
  ['src 2001:db8::/32', 'v6', 'PASS'],
  ['src 2001:db8::/32', 'get', 'FAIL'],
  ['src 127.0.0.1/8', 'noHost', 'PASS'],
  ['src 127.1', 'noHost', 'PASS'],
  ['src_port 40000', 'get', 'PASS'],
  ['src_port 1024:', 'get', 'PASS'],
  ['src_port :1023', 'get', 'FAIL'],
  ['src_port gt 39999', 'get', 'PASS'],
  ['src_port lt 40000', 'get', 'FAIL'],
  ['src_port ge 40000', 'get', 'PASS'],
  ['src_port le 39999', 'get', 'FAIL'],
  ['src_port eq 1 eq 40000', 'get', 'PASS'],
  ['dst 10.0.0.1', 'get', 'PASS'],
  ['dst ::1', 'v6', 'PASS'],
  ['dst_port 8080', 'get', 'PASS'],
  ['src -m str 192.168.1.10', 'get', 'PASS'],
  ['src -m beg 192.168.', 'get', 'PASS'],
  ['src_port -m str 40000', 'get', 'PASS'],
  ['src_port -m bool', 'get', 'PASS'],
  ['fe_name web', 'get', 'PASS'],
  ['fe_name -i WEB', 'get', 'PASS'],
  ['fe_name WEB', 'get', 'FAIL'],
  ['be_name app', 'backend', 'PASS'],
  ['be_name app', 'get', 'FAIL'],
  ['be_name -m found', 'get', 'FAIL'],
  // Buffer contents.
  ['req.len gt 0', 'api', 'PASS'],
  // A match passes even while the value may still change (HAProxy's acl_exec_cond).
  ['req.len 0', 'empty', 'PASS'],
  ['req.len gt 0', 'empty', 'MISS'],
  ['req.payload(0,4) -m bin 41504920', 'api', 'PASS'],
  ['req.payload(0,4) -m str API2', 'api2', 'PASS'],
  ['req.payload(0,4) -m bin 41504920', 'two', 'MISS'],
  ['req.payload(0,4) -m found', 'twoFinal', 'FAIL'],
  ['req.payload(0,0) -m sub connect', 'api', 'PASS'],
  ['req.payload(4,1),hex 30', 'api', 'PASS'],
  ['req.ssl_hello_type 1', 'tls', 'PASS'],
  ['req.ssl_hello_type 1', 'tlsPart', 'MISS'],
  ['req.ssl_hello_type 1', 'http', 'FAIL'],
  ['req.ssl_sni db.example.com', 'tls', 'PASS'],
  ['req.ssl_sni -m end .example.com', 'tls', 'PASS'],
  ['req.ssl_sni -m found', 'tlsNoSni', 'FAIL'],
  ['req_ssl_sni db.example.com', 'tlsPart', 'MISS'],
  ['req.proto_http', 'http', 'PASS'],
  ['req.proto_http', 'httpPart', 'MISS'],
  ['req.proto_http', 'api', 'FAIL'],
  ['req.proto_http', 'get', 'PASS'],
  ['ddb.proto api', 'api', 'PASS'],
  ['ddb.proto api api2', 'api2', 'PASS'],
  ['ddb.proto http', 'http', 'PASS'],
  ['ddb.proto http', 'httpPart', 'PASS'],
  ['ddb.proto unknown', 'junk', 'PASS'],
  ['ddb.proto unknown', 'tls', 'PASS'],
  ['ddb.proto api', 'two', 'MISS'],
  ['ddb.proto unknown', 'twoFinal', 'PASS'],
  ['ddb.proto -m found', 'empty', 'MISS'],
  ['wait_end', 'waiting', 'MISS'],
  ['wait_end', 'waited', 'PASS'],
  // Request line.
  // A pattern naming a known method matches that method only; other patterns compare text, -i honoured (measured).
  ['method GET', 'get', 'PASS'],
  ['method get', 'get', 'FAIL'],
  ['method -i get', 'get', 'FAIL'],
  ['method POST', 'post10', 'FAIL'],
  ['method post', 'post10', 'PASS'],
  ['method -i POST', 'post10', 'FAIL'],
  ['method -i Post', 'post10', 'PASS'],
  ['path /api/v1/items.json', 'get', 'PASS'],
  ['path_beg /api/ /static/', 'get', 'PASS'],
  ['path_beg -i /API', 'get', 'PASS'],
  ['path_beg /API', 'get', 'FAIL'],
  ['path_end .json .xml', 'get', 'PASS'],
  ['path_sub /v1/', 'get', 'PASS'],
  ['path_reg ^/api/v[0-9]+/', 'get', 'PASS'],
  ['path_reg -i ^/API/V1', 'get', 'PASS'],
  ['path_dir v1', 'get', 'PASS'],
  ['path_dir /api/v1', 'get', 'PASS'],
  ['path_dir items', 'get', 'FAIL'],
  ['path_dom items', 'get', 'PASS'],
  ['path_dom json', 'get', 'PASS'],
  ['path_dom pi', 'get', 'FAIL'],
  ['path_len 18', 'get', 'PASS'],
  ['path_len gt 100', 'get', 'FAIL'],
  ['path /x/y', 'abs', 'PASS'],
  // `GET http://h.example` has no path at all (measured on 2.6.12: tests/http1/head-fetch-compat.test.ts).
  ['path -m found', 'absNoPath', 'FAIL'],
  ['path_len 0', 'absNoPath', 'FAIL'],
  ['path -m found', 'noHost', 'FAIL'],
  ['url *', 'noHost', 'PASS'],
  ['url_beg http://', 'abs', 'PASS'],
  ['url_reg ^[^/:]*://', 'abs', 'PASS'],
  ['url_sub id=42', 'get', 'PASS'],
  ['url_len 34', 'get', 'PASS'],
  ['url_dom www', 'abs', 'FAIL'],
  ['url_dom h.example', 'abs', 'PASS'],
  ['query id=42&tag=a;x=1', 'get', 'PASS'],
  ['query -m found', 'abs', 'PASS'],
  ['query -m found', 'post10', 'FAIL'],
  ['url_param(id) 42', 'get', 'PASS'],
  ['url_param(tag) a', 'get', 'PASS'],
  ['url_param(x) 1', 'get', 'PASS'],
  ['url_param(ID) -m found', 'get', 'FAIL'],
  ['urlp(id) -m int gt 40', 'get', 'PASS'],
  ['url_param 1', 'get', 'PASS'],
  ['url_param -m found', 'post10', 'FAIL'],
  ['base Www.Example.com:8080/api/v1/items.json', 'get', 'PASS'],
  ['base_beg -i www.example.com', 'get', 'PASS'],
  ['base_end /items.json', 'get', 'PASS'],
  ['base h.example', 'absNoPath', 'PASS'],
  ['base /Upload', 'post10', 'FAIL'],
  ['req.ver 1.1', 'get', 'PASS'],
  ['req.ver 1.0', 'post10', 'PASS'],
  ['req_ver 1.1', 'post10', 'FAIL'],
  // Headers.
  ['hdr(host) -i www.example.com:8080', 'get', 'PASS'],
  ['hdr(Host) Www.Example.com:8080', 'get', 'PASS'],
  ['hdr(host) www.example.com:8080', 'get', 'FAIL'],
  ['hdr_beg(host) -i www.', 'get', 'PASS'],
  ['hdr_end(host) :8080', 'get', 'PASS'],
  ['hdr_dom(host) -i example.com', 'get', 'PASS'],
  ['hdr_dom(host) -i example', 'get', 'PASS'],
  ['hdr_dom(host) -i ample.com', 'get', 'FAIL'],
  ['hdr_sub(user-agent) X11', 'get', 'PASS'],
  ['hdr_reg(user-agent) ^Mozilla/[45]', 'get', 'PASS'],
  ['hdr_len(host) 20', 'get', 'PASS'],
  ['hdr_dir(user-agent) Mozilla', 'get', 'PASS'],
  ['hdr_dir(user-agent) Mozilla/5.0', 'get', 'FAIL'],
  ['hdr(x-list) "b,c"', 'get', 'PASS'],
  ['hdr(x-list) d', 'get', 'PASS'],
  ['hdr(x-list,1) a', 'get', 'PASS'],
  ['hdr(x-list,-1) d', 'get', 'PASS'],
  ['hdr(x-list,-1) a', 'get', 'FAIL'],
  ['hdr(x-list,2) "b,c"', 'get', 'PASS'],
  ['hdr(x-forwarded-for) 2001:db8::1', 'get', 'PASS'],
  ['req.fhdr(x-forwarded-for,1) -m beg 10.1.2.3,', 'get', 'PASS'],
  ['req.hdr(x-forwarded-for,1) -m beg 10.1.2.3,', 'get', 'FAIL'],
  ['req.fhdr(user-agent) -m end Linux)', 'get', 'PASS'],
  ['req.fhdr(user-agent) -m end (X11', 'get', 'FAIL'],
  ['hdr(user-agent) -m end (X11', 'get', 'PASS'],
  ['req.fhdr(x-list,1) -m sub "b,c"', 'get', 'PASS'],
  ['req.fhdr_cnt(x-forwarded-for) 2', 'get', 'PASS'],
  ['hdr_cnt(x-forwarded-for) 3', 'get', 'PASS'],
  ['req.hdr_cnt(x-list) 3', 'get', 'PASS'],
  ['hdr_cnt(x-missing) 0', 'get', 'PASS'],
  ['hdr_cnt gt 8', 'get', 'PASS'],
  ['hdr_val(content-length) 5', 'get', 'PASS'],
  ['req.hdr_val(content-length) gt 0', 'get', 'PASS'],
  ['hdr_val(host) 0', 'get', 'PASS'],
  ['hdr_ip(x-forwarded-for) 10.0.0.0/8', 'get', 'PASS'],
  ['hdr_ip(x-forwarded-for) 172.16.0.9', 'get', 'PASS'],
  ['hdr_ip(x-forwarded-for) 2001:db8::/32', 'get', 'PASS'],
  ['req.hdr_ip(x-forwarded-for,1) 2001:db8::/32', 'get', 'FAIL'],
  ['req.hdr_ip(host) -m found', 'get', 'FAIL'],
  ['req.hdr(x-missing) -m found', 'get', 'FAIL'],
  ['req.hdr(host) -m found', 'get', 'PASS'],
  // Cookies.
  ['req.cook(sess) abc', 'get', 'PASS'],
  ['req.cook(sess) def', 'get', 'PASS'],
  ['cook(theme) dark', 'get', 'PASS'],
  ['cook(Theme) -m found', 'get', 'FAIL'],
  ['cook_beg(sess) ab', 'get', 'PASS'],
  ['req.cook_cnt(sess) 2', 'get', 'PASS'],
  ['cook_cnt 3', 'get', 'PASS'],
  ['req.cook_val(sess) 0', 'get', 'PASS'],
  ['cook abc', 'get', 'PASS'],
  ['req.cook(none) -m found', 'post10', 'FAIL'],
  // Authentication.
  ['http_auth(L)', 'get', 'PASS'],
  ['http_auth(L)', 'bob', 'PASS'],
  ['http_auth(L)', 'badAuth', 'FAIL'],
  ['http_auth(L)', 'post10', 'FAIL'],
  ['http_auth_group(L) admins', 'get', 'PASS'],
  ['http_auth_group(L) ops', 'get', 'FAIL'],
  ['http_auth_group(L) admins ops', 'bob', 'PASS'],
  ['http_auth_group(L) admins', 'badAuth', 'FAIL'],
  // Flags and methods on any fetch.
  ['path -i -m beg /API', 'get', 'PASS'],
  ['path -m beg -i /API', 'get', 'PASS'],
  ['path -m str -- -i', 'get', 'FAIL'],
  ['path /nope -i', 'get', 'FAIL'],
  ['path -n -u 7 /api/v1/items.json', 'get', 'PASS'],
  ['path -m len 18', 'get', 'PASS'],
  ['path -m found', 'get', 'PASS'],
  ['path -m bool', 'get', 'FAIL'],
  ['path,field(2,/) -m int 0', 'get', 'PASS'],
  ['path -m sub -i V1', 'get', 'PASS'],
  ['path,lower -m dir api', 'get', 'PASS'],
  ['hdr(host),lower -m dom example.com', 'get', 'PASS'],
  ['hdr(host),field(1,:) -i www.example.com', 'get', 'PASS'],
  ['req.hdr(x-forwarded-for),field(1,:) -m ip 10.1.2.3', 'get', 'PASS'],
  ['path,bytes(1,3) -m str api', 'get', 'PASS'],
  ['path,word(-1,/) items.json', 'get', 'PASS'],
  ['path,upper -m beg /API', 'get', 'PASS'],
  ['path,base64 L2FwaS92MS9pdGVtcy5qc29u', 'get', 'PASS'],
  ['path,hex -m beg 2F617069', 'get', 'PASS'],
  ['path,regsub(^/api,/v2) -m beg /v2/v1', 'get', 'PASS'],
  ['src,ipmask(16) 192.168.0.0', 'get', 'PASS'],
  ['src,ipmask(24,64) 2001:db8::', 'v6', 'PASS'],
  ['req.hdr(host) -m bin 5777772E', 'get', 'FAIL'],
  ['req.hdr(host),bytes(0,4) -m bin 5777772E', 'get', 'PASS'],
];

const NAMES: Readonly<Record<number, string>> = { [ACL.PASS]: 'PASS', [ACL.FAIL]: 'FAIL', [ACL.MISS]: 'MISS' };

describe('every fetch and match flag against hand-built contexts', () => {
  const state = testState();
  for (const [criterion, ctxName, expected] of ROWS) {
    test(`${criterion} on ${ctxName} → ${expected}`, () => {
      const ctx = testContext({ ...CTX[ctxName], state });
      assert.equal(NAMES[testResult(criterion, ctx)], expected);
    });
  }
});

describe('live counts and server states from the shared buffer', () => {
  test('nbsrv, srv_is_up, connslots, queue, be_conn and fe_conn read what the other threads wrote', () => {
    const state = testState();
    const ctx = testContext({ request: 'GET / HTTP/1.1\r\n\r\n', state });
    assert.equal(testResult('nbsrv(app) 3', ctx), ACL.PASS);
    state.server(1).store('state', 0);
    state.backend(0).store('activeServers', 2);
    assert.equal(testResult('nbsrv(app) lt 3', ctx), ACL.PASS);
    assert.equal(testResult('srv_is_up(app/a2)', ctx), ACL.FAIL);
    assert.equal(testResult('srv_is_up(app/a1)', ctx), ACL.PASS);
    // Two servers up, each 10 conns + 5 queue: 30 free; one connection and one waiter take two.
    assert.equal(testResult('connslots(app) 30', ctx), ACL.PASS);
    state.server(0).add('curConns', 1);
    state.server(2).add('queued', 1);
    assert.equal(testResult('connslots(app) 28', ctx), ACL.PASS);
    // A server without limits makes the backend unbounded: -1, as HAProxy answers.
    assert.equal(testResult('connslots(static) -- -1', ctx), ACL.PASS);
    state.backend(0).add('queued', 2);
    assert.equal(testResult('queue(app) 3', ctx), ACL.PASS);
    state.backend(0).add('curConns', 4);
    assert.equal(testResult('be_conn(app) 6', ctx), ACL.PASS);
    state.frontend(0).add('curConns', 7);
    assert.equal(testResult('fe_conn 7', ctx), ACL.PASS);
    assert.equal(testResult('fe_conn(web) gt 6', ctx), ACL.PASS);
    // No active server left: one backup counts (HAProxy's be_usable_srv without allbackups).
    state.backend(1).store('activeServers', 0);
    state.backend(1).store('backupServers', 3);
    assert.equal(testResult('nbsrv(static) 1', ctx), ACL.PASS);
  });

  test('without a shared buffer the count fetches have no value', () => {
    const ctx = testContext({ request: 'GET / HTTP/1.1\r\n\r\n' });
    assert.equal(testResult('nbsrv(app) -m found', ctx), ACL.FAIL);
    assert.equal(testResult('srv_is_up(app/a1) -m found', ctx), ACL.FAIL);
  });
});
