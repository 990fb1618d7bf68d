// The HTTP rule program end to end in process: config text parsed as orcalb loads it, every set compiled as a
// forwarder compiles it, one exchange played through the sets as the L7 session will (tests/support/
// http-rule-program.ts). Each action's bytes out, measured on haproxy 2.6.12 (tests/acl/haproxy-corpus.test.ts
// holds the side-by-side cases); here the finer points: order, stops, listen halves, edits seen by later rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULE } from '../../../core/forward/http-rules/rule-set.js';
import { exchange, loadRuleProgram } from '../../support/http-rule-program.js';

const T = '  timeout connect 1s\n  timeout client 1s\n  timeout server 1s';

/** A frontend `fe` with `lines`, default backend `be`, and `beLines` in the backend. */
function cfg(lines: readonly string[], beLines: readonly string[] = []): string {
  return [
    'defaults', '  mode http', T,
    'frontend fe', '  bind 127.0.0.1:1', ...lines.map((l) => `  ${l}`), '  default_backend be',
    'backend be', ...beLines.map((l) => `  ${l}`), '  server s 127.0.0.1:2',
    'backend other', '  server s 127.0.0.1:3', '',
  ].join('\n');
}

const get = (target: string, headers: readonly string[] = [], version = '1.1'): string =>
  `GET ${target} HTTP/${version}\r\nHost: h\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

test('deny, deny_status and a custom deny body: HAProxy 2.6.12 bytes', async () => {
  const p = await loadRuleProgram(cfg([
    'http-request deny deny_status 429 if { path /rate }',
    'http-request deny status 410 content-type text/plain string "gone away" if { path /gone }',
    'http-request deny if { path /d }',
  ]));
  assert.equal(
    exchange(p, get('/rate')).response,
    'HTTP/1.1 429 Too Many Requests\r\ncontent-length: 117\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
      '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n',
  );
  assert.equal(exchange(p, get('/gone')).response, 'HTTP/1.1 410 Gone\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\ngone away');
  assert.match(exchange(p, get('/d', [], '1.0')).response ?? '', /^HTTP\/1.1 403 Forbidden\r\n.*connection: close\r\n\r\n<html>/s);
  assert.equal(exchange(p, get('/ok')).backend, 'be');
});

test('a deny_status 400 closes the connection, as HAProxy does after a 400 page', async () => {
  const p = await loadRuleProgram(cfg(['http-request deny deny_status 400']));
  assert.match(exchange(p, get('/')).response ?? '', /content-type: text\/html\r\nconnection: close\r\n\r\n/);
});

test('an errorfile of the proxy replaces the deny page', async (t) => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-rules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, '403.http'), 'HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope');
  const p = await loadRuleProgram(cfg([`errorfile 403 ${dir}/403.http`, 'http-request deny']));
  assert.equal(exchange(p, get('/')).response, 'HTTP/1.0 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nnope');
});

test('tarpit answers 500 after the wait; reject and silent-drop close', async () => {
  const p = await loadRuleProgram(cfg(['http-request tarpit if { path /t }', 'http-request reject if { path /r }', 'http-request silent-drop if { path /s }']));
  const t = exchange(p, get('/t'));
  assert.equal(t.verdict, RULE.TARPIT);
  assert.match(t.response ?? '', /^HTTP\/1.1 500 Internal Server Error\r\n/);
  assert.equal(exchange(p, get('/r')).verdict, RULE.REJECT);
  assert.equal(exchange(p, get('/s')).verdict, RULE.SILENT_DROP);
});

test('auth: 401 with the Basic challenge, realm defaulting to the proxy name', async () => {
  const p = await loadRuleProgram(cfg(['http-request auth if { path /a }', 'http-request auth realm "My Realm" if { path /b }']));
  assert.equal(
    exchange(p, get('/a')).response,
    'HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm="fe"\r\n\r\n' +
      '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n',
  );
  assert.match(exchange(p, get('/b')).response ?? '', /www-authenticate: Basic realm="My Realm"\r\n/);
});

test('redirect location, prefix, scheme; codes, drop-query, append-slash, cookies', async () => {
  const p = await loadRuleProgram(cfg([
    'http-request redirect location /new if { path /l }',
    'http-request redirect location /new code 301 if { path /l301 }',
    'http-request redirect prefix /pre if { path_beg /p/ }',
    'http-request redirect prefix /pre drop-query if { path_beg /dq/ }',
    'http-request redirect scheme https if { path /s }',
    'http-request redirect location /c set-cookie A=1 if { path /ck }',
    'http-request redirect location /c clear-cookie B if { path /cc }',
    'http-request redirect prefix / append-slash if { path_beg /slash }',
  ]));
  assert.equal(exchange(p, get('/l')).response, 'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /new\r\ncache-control: no-cache\r\n\r\n');
  assert.equal(exchange(p, get('/l301')).response, 'HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /new\r\n\r\n');
  assert.match(exchange(p, get('/p/x?a=1')).response ?? '', /location: \/pre\/p\/x\?a=1\r\n/);
  assert.match(exchange(p, get('/dq/x?a=1')).response ?? '', /location: \/pre\/dq\/x\r\n/);
  assert.match(exchange(p, get('/s')).response ?? '', /location: https:\/\/h\/s\r\n/);
  assert.match(exchange(p, get('/ck')).response ?? '', /cache-control: no-cache\r\nset-cookie: A=1; path=\/;\r\n\r\n$/);
  assert.match(exchange(p, get('/cc')).response ?? '', /set-cookie: B; path=\/; Max-Age=0;\r\n/);
  assert.match(exchange(p, get('/slash/a')).response ?? '', /location: \/slash\/a\/\r\n/);
});

test('return: status, content-type, string, lf-string, hdr (hdr lines first)', async () => {
  const p = await loadRuleProgram(cfg([
    'http-request return if { path /e }',
    'http-request return status 201 content-type text/plain string hello if { path /s }',
    'http-request return status 200 content-type text/plain lf-string "p=%[path]" hdr X-A "v%[path]" if { path_beg /lf }',
    'http-request return status 299 if { path /r299 }',
  ]));
  assert.equal(exchange(p, get('/e')).response, 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  assert.equal(exchange(p, get('/s')).response, 'HTTP/1.1 201 Created\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\nhello');
  assert.equal(exchange(p, get('/lf?q')).response, 'HTTP/1.1 200 OK\r\nx-a: v/lf\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\np=/lf');
  assert.equal(exchange(p, get('/r299')).response, 'HTTP/1.1 299 Success\r\ncontent-length: 0\r\n\r\n');
});

test('request line: set-path keeps the query, set-query, set-uri, set-method, set-pathq, replace-*', async () => {
  // In haproxy's order of the measured config: the replace-* rules first (a later rule sees an earlier rewrite).
  const p = await loadRuleProgram(cfg([
    'http-request replace-path /a(.*) /b\\1 if { path_beg /a }',
    'http-request replace-uri ^/u(.*) /v\\1 if { path_beg /u }',
    'http-request set-path /new%[path] if { path_beg /sp }',
    'http-request set-query x=1 if { path_beg /sq }',
    'http-request set-query %[req.hdr(nothing)] if { path_beg /eq }',
    'http-request set-uri /uri?a if { path_beg /su }',
    'http-request set-method POST if { path_beg /sm }',
    'http-request set-pathq /pq?z if { path_beg /zpq }',
  ]));
  const line = (target: string): string => (exchange(p, get(target)).forwarded ?? '').split('\r\n')[0] ?? '';
  assert.equal(line('/sp?k'), 'GET /new/sp?k HTTP/1.1');
  assert.equal(line('/sq?old'), 'GET /sq?x=1 HTTP/1.1');
  assert.equal(line('/eq?old'), 'GET /eq? HTTP/1.1');
  assert.equal(line('/su'), 'GET /uri?a HTTP/1.1');
  assert.equal(line('/sm'), 'POST /sm HTTP/1.1');
  // Measured: /spq matches path_beg /sp first, and set-pathq's condition no longer holds on /new/spq.
  assert.equal(line('/spq?x'), 'GET /new/spq?x HTTP/1.1');
  assert.equal(line('/zpq?x'), 'GET /pq?z HTTP/1.1');
  assert.equal(line('/uri'), 'GET /vri HTTP/1.1');
  assert.equal(line('/a/x?q'), 'GET /b/x?q HTTP/1.1');
  assert.equal(line('/u/x?q'), 'GET /v/x?q HTTP/1.1');
});

test('a later rule sees the rewritten request line (HAProxy edits the message in place)', async () => {
  const p = await loadRuleProgram(cfg(['http-request set-path /after if { path /chain }', 'http-request set-header X-P %[path] if { path /after }']));
  assert.match(exchange(p, get('/chain')).forwarded ?? '', /^GET \/after HTTP\/1.1\r\n.*x-p: \/after\r\n/s);
});

test('replace-header replaces the whole value; replace-value each comma value, joined by ","', async () => {
  const p = await loadRuleProgram(cfg(['http-request replace-header X-A b(.) Z\\1 if { path /rh }', 'http-request replace-value X-A b(.) Z\\1 if { path /rv }']));
  const req = (path: string): string => get(path, ['X-A: abc, xbz', 'X-B: 1', 'X-A: b2']);
  assert.match(exchange(p, req('/rh')).forwarded ?? '', /\r\nx-a: Zc\r\nx-b: 1\r\nx-a: Z2\r\n/);
  assert.match(exchange(p, req('/rv')).forwarded ?? '', /\r\nx-a: Zc,Zz\r\nx-b: 1\r\nx-a: Z2\r\n/);
});

test('del-header -m beg|sub|reg on lower-case names; set-header reads the old value first', async () => {
  const p = await loadRuleProgram(cfg([
    'http-request del-header X- -m beg if { path /db }',
    'http-request del-header ^X-B -m reg if { path /drU }',
    'http-request del-header ^x-b -m reg if { path /drl }',
    'http-request del-header b -m sub if { path /ds }',
    'http-request set-header X-New "%[req.hdr(x-a)]" if { path /sh }',
    'http-request set-header X-A new if { path /sh }',
  ]));
  const req = (path: string): string => get(path, ['X-A: abc', 'X-B: 1']);
  assert.equal(exchange(p, req('/db')).forwarded, 'GET /db HTTP/1.1\r\nhost: h\r\n\r\n');
  assert.match(exchange(p, req('/drU')).forwarded ?? '', /x-b: 1/);
  assert.doesNotMatch(exchange(p, req('/drl')).forwarded ?? '', /x-b/);
  assert.doesNotMatch(exchange(p, req('/ds')).forwarded ?? '', /x-b/);
  assert.equal(exchange(p, req('/sh')).forwarded, 'GET /sh HTTP/1.1\r\nhost: h\r\nx-b: 1\r\nx-new: abc\r\nx-a: new\r\n\r\n');
});

test('rules run in order: the first final action wins; allow stops the frontend set but not the backend one', async () => {
  const p = await loadRuleProgram(cfg(
    ['http-request allow if { path /allow }', 'http-request deny deny_status 404 if { path_beg /' + 'allow }', 'http-request deny if { path /d }', 'http-request return status 200 if { path /d }'],
    ['http-request set-header X-Be 1'],
  ));
  const a = exchange(p, get('/allow'));
  assert.equal(a.backend, 'be');
  assert.match(a.forwarded ?? '', /x-be: 1/);
  assert.equal(exchange(p, get('/d')).response?.startsWith('HTTP/1.1 403 '), true);
});

test('monitor-uri answers 200 before any rule, 503 under monitor fail; legacy redirect runs after http-request', async () => {
  const p = await loadRuleProgram(cfg([
    'monitor-uri /m',
    'monitor fail if { req.hdr(x-fail) 1 }',
    'http-request deny deny_status 404 if { path /m } || { path /both }',
    'redirect location /legacy if { path /both } || { path /leg }',
    'http-request redirect location /new if { path /leg2 }',
    'redirect location /legacy2 if { path /leg2 }',
  ]));
  assert.match(exchange(p, get('/m')).response ?? '', /^HTTP\/1.1 200 OK\r\ncontent-length: 58\r\n/);
  assert.match(exchange(p, get('/m', ['X-Fail: 1'])).response ?? '', /^HTTP\/1.1 503 Service Unavailable\r\n/);
  assert.match(exchange(p, get('/m?x')).response ?? '', /^HTTP\/1.1 404 /);
  assert.match(exchange(p, get('/both')).response ?? '', /^HTTP\/1.1 404 /);
  assert.match(exchange(p, get('/leg')).response ?? '', /location: \/legacy\r\n/);
  assert.match(exchange(p, get('/leg2')).response ?? '', /location: \/new\r\n/);
});

test('response rules: set-status, replace-header, deny 502; after-response on answers and responses', async () => {
  const p = await loadRuleProgram(cfg(
    ['http-after-response set-header X-After 1', 'http-request deny if { path /d }'],
    [
      'http-response set-status 299 if { src 127.0.0.1 } !{ req.hdr(x-t) 2 } !{ req.hdr(x-t) 3 }',
      'http-response set-status 404 reason "Nope Here" if { req.hdr(x-t) 2 }',
      'http-response replace-header x-served-by b(.) B\\1',
      'http-response deny if { req.hdr(x-t) 3 }',
    ],
  ));
  const ok = exchange(p, get('/'));
  assert.equal(ok.response, 'HTTP/1.1 299 Success\r\nx-served-by: Be\r\ncontent-length: 2\r\nconnection: close\r\nx-after: 1\r\n\r\nbe');
  assert.match(exchange(p, get('/', ['X-T: 2'])).response ?? '', /^HTTP\/1.1 404 Nope Here\r\n/);
  assert.match(exchange(p, get('/', ['X-T: 3'])).response ?? '', /^HTTP\/1.1 502 Bad Gateway\r\n.*x-after: 1\r\n\r\n<html>/s);
  assert.match(exchange(p, get('/d')).response ?? '', /^HTTP\/1.1 403 Forbidden\r\n.*content-type: text\/html\r\nx-after: 1\r\n\r\n/s);
});

test("a listen's rules run once, as the frontend's; another frontend sending to it runs them as the backend's", async () => {
  const p = await loadRuleProgram([
    'defaults', '  mode http', T,
    'listen l', '  bind 127.0.0.1:1', '  http-request add-header X-L 1', '  server s 127.0.0.1:2',
    'frontend f2', '  bind 127.0.0.1:4', '  default_backend l', '',
  ].join('\n'));
  assert.equal((exchange(p, get('/'), { frontend: 0 }).forwarded ?? '').match(/x-l: 1/g)?.length, 1);
  assert.equal((exchange(p, get('/'), { frontend: 1 }).forwarded ?? '').match(/x-l: 1/g)?.length, 1);
});

test('a proxy without rules compiles to empty sets (the session skips them)', async () => {
  const p = await loadRuleProgram(cfg([]));
  assert.equal(p.rules.empty, true);
  assert.equal(p.rules.frontend(0).request.empty, true);
});

test('needsAddresses only when a rule reads the connection addresses', async () => {
  const a = await loadRuleProgram(cfg(['http-request deny if { path /x }']));
  assert.equal(a.rules.frontend(0).request.needsAddresses, false);
  const b = await loadRuleProgram(cfg(['http-request deny if { src 10.0.0.1 }']));
  assert.equal(b.rules.frontend(0).request.needsAddresses, true);
  const c = await loadRuleProgram(cfg(['http-request set-header X-C %ci']));
  assert.equal(c.rules.frontend(0).request.needsAddresses, true);
});

test('set-var, set-var-fmt and unset-var feed var() in later conditions, values and the response', async () => {
  const p = await loadRuleProgram(cfg(
    [
      'http-request set-var(txn.host) req.hdr(host),lower',
      'http-request set-var(txn.n) int(5) if { path /n }',
      'http-request set-var-fmt(txn.where) "%[path]-x"',
      'http-request set-var(req.r) str(r)',
      'http-request unset-var(txn.where) if { path /unset }',
      'http-request deny deny_status 404 if { var(txn.n) -m int gt 3 }',
      'http-request set-header X-Host %[var(txn.host)]',
      'http-request set-header X-Where %[var(txn.where,none)]',
      'http-response set-header X-Host %[var(txn.host)]',
    ],
  ));
  const a = exchange(p, get('/a', ['X-Any: 1']).replace('Host: h', 'Host: WWW.EX'));
  assert.match(a.forwarded ?? '', /\r\nx-host: www.ex\r\nx-where: \/a-x\r\n/);
  assert.match(a.response ?? '', /\r\nx-host: www.ex\r\n/);
  assert.match(exchange(p, get('/unset')).forwarded ?? '', /\r\nx-where: none\r\n/);
  assert.match(exchange(p, get('/n')).response ?? '', /^HTTP\/1.1 404 /);
});

test("set-var(proc.x) is refused (orcalb's forwarders are threads); a bad name gets haproxy's words", async () => {
  const { load, rendered } = await import('../../support/config-load.js');
  const proc = await load(cfg(['http-request set-var(proc.x) str(a)']), 't.cfg', { implemented: ['if/unless <acl condition>'] });
  assert.ok(rendered(proc).errors.some((e) => e.includes("orcalb does not implement 'proc.x'")), rendered(proc).errors.join('\n'));
  const bad = await load(cfg(['http-request set-var(foo) str(a)']));
  assert.ok(rendered(bad).errors.some((e) => e.includes("invalid variable name 'foo'. A variable name must be start by its scope.")));
});

test('later rules read the headers as rewritten (HAProxy edits the message in place)', async () => {
  // Measured on haproxy 2.6.12: X-Seen is "new", X-Gone has no value, X-Count counts the appended field.
  const p = await loadRuleProgram(cfg([
    'http-request set-header X-New "%[req.hdr(x-a)]"',
    'http-request set-header X-A new',
    'http-request set-header X-Seen "%[req.hdr(x-a)]"',
    'http-request del-header X-B',
    'http-request set-header X-Gone "%[req.hdr(x-b)]"',
    'http-request add-header X-A more',
    'http-request set-header X-Count %[req.hdr_cnt(x-a)]',
    'http-request replace-header X-C (.*) C\\1',
    'http-request deny deny_status 404 if { req.hdr(x-c) Cc }',
  ]));
  const x = exchange(p, get('/', ['X-A: abc', 'X-B: 1']));
  assert.equal(x.forwarded, 'GET / HTTP/1.1\r\nhost: h\r\nx-new: abc\r\nx-a: new\r\nx-seen: new\r\nx-gone: \r\nx-a: more\r\nx-count: 2\r\n\r\n');
  assert.match(exchange(p, get('/', ['X-C: c'])).response ?? '', /^HTTP\/1.1 404 /);
});

test('track-sc0 runs in order with the other rules: the third request in the period is over the rate', async () => {
  const { StickCounters } = await import('../../../core/stick/stick-counters.js');
  const { stickBuffer } = await import('../../support/stick-state.js');
  const p = await loadRuleProgram(cfg([
    'stick-table type ip size 1k expire 30s store http_req_rate(10s),gpc0',
    'http-request deny deny_status 403 if { sc_http_req_rate(0) gt 0 } { path /before }',
    'http-request track-sc0 src',
    'http-request sc-inc-gpc0(0) if { path /count }',
    'http-request set-header X-Gpc %[sc_get_gpc0(0)]',
    'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 2 }',
  ], []), ['stick-table']);
  const tables = stickBuffer(p.config.stickTables ?? [], 1).view(0);
  // One connection per request: the entry in the shared table carries the rate from one to the next.
  const send = (path: string): ReturnType<typeof exchange> => exchange(p, get(path), { stickTables: tables, stickCounters: new StickCounters(tables) });
  // A rule before track-sc0 sees no tracked counter yet (the first request is not denied by it).
  assert.equal(send('/before').backend, 'be');
  assert.match(send('/count').forwarded ?? '', /\r\nx-gpc: 1\r\n/);
  assert.match(send('/x').response ?? '', /^HTTP\/1.1 429 /);
  // The rate is 3 now, but on a new connection the rule before track-sc0 still sees no tracked counter: it is the
  // later rule that refuses (were the tracker run first, this would be a 403).
  assert.match(send('/before').response ?? '', /^HTTP\/1.1 429 /);
});
