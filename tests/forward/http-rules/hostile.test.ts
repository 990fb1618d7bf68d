// The HTTP rule program against hostile input, in process (the side-by-side corpus holds the same cases against
// haproxy 2.6.12 where it has a behaviour): rewrites that overflow the buffer (500 and close, at HAProxy's limit),
// control characters from decoded samples (written %XX), a backtracking regex on a huge header, a rule set that
// matches everything run in a storm, a redirect to itself, a 1 MB reply file. Nothing may throw or hang.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RULE } from '../../../core/forward/http-rules/rule-set.js';
import { load, rendered } from '../../support/config-load.js';
import { exchange, loadRuleProgram } from '../../support/http-rule-program.js';

const T = '  timeout connect 1s\n  timeout client 1s\n  timeout server 1s';
const cfg = (lines: readonly string[]): string =>
  ['defaults', '  mode http', T, 'frontend fe', '  bind 127.0.0.1:1', ...lines.map((l) => `  ${l}`), '  default_backend be', 'backend be', '  server s 127.0.0.1:2', ''].join('\n');

test("a rewrite past the buffer answers 500, at HAProxy 2.6.12's limit", async () => {
  const p = await loadRuleProgram(cfg(['http-request set-header X-Big "%[req.hdr(x-a)]%[req.hdr(x-a)]%[req.hdr(x-a)]"']));
  const req = (n: number, extra: number): string =>
    `GET /big HTTP/1.1\r\nHost: h\r\n${Array.from({ length: extra }, (_, i) => `X-P${i}: 1\r\n`).join('')}X-A: ${'a'.repeat(n)}\r\nConnection: close\r\n\r\n`;
  // Measured on haproxy 2.6.12: the longest X-A that still passes with 0, 10 and 40 more fields; one byte more fails.
  for (const [extra, longest] of [[0, 4061], [10, 4029], [40, 3924]] as const) {
    const fits = exchange(p, req(longest, extra));
    assert.equal(fits.verdict, RULE.CONTINUE, `${extra} fields, ${longest} bytes`);
    const over = exchange(p, req(longest + 1, extra));
    assert.equal(over.verdict, RULE.ANSWER, `${extra} fields, ${longest + 1} bytes`);
    assert.match(over.response ?? '', /^HTTP\/1.1 500 Internal Server Error\r\n/);
    // The client asked to close; without that HAProxy keeps the connection (the corpus measures it).
    assert.equal(over.verdict === RULE.ANSWER && /connection: close/.test(over.response ?? ''), true);
  }
});

test('many fixed add-header values that overflow are caught too', async () => {
  const lines = Array.from({ length: 40 }, (_, i) => `http-request add-header X-Pad-${i} ${'p'.repeat(400)}`);
  const p = await loadRuleProgram(cfg(lines));
  const big = exchange(p, `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(200)}\r\n\r\n`);
  assert.equal(big.verdict, RULE.ANSWER);
  assert.match(big.response ?? '', /^HTTP\/1.1 500 /);
});

test('control characters from the request bytes are written %XX in headers, the request line and Location', async () => {
  // req.payload(0,0) is the raw request here: its CRLFs are what an attacker would smuggle through a decoded sample.
  const p = await loadRuleProgram(cfg([
    'http-request set-header X-Raw %[req.payload(0,0)] if { path /sh }',
    'http-request set-path /%[req.payload(0,0)] if { path /sp }',
    'http-request redirect location /%[req.payload(0,0)] if { path /r }',
  ]));
  const raw = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;
  const sh = exchange(p, raw('/sh'), { payload: true });
  assert.match(sh.forwarded ?? '', /\r\nx-raw: GET \/sh HTTP\/1.1%0D%0AHost: h%0D%0A%0D%0A\r\n\r\n$/);
  const sp = exchange(p, raw('/sp'), { payload: true });
  assert.equal((sp.forwarded ?? '').split('\r\n')[0], 'GET /GET /sp HTTP/1.1%0D%0AHost: h%0D%0A%0D%0A HTTP/1.1');
  const r = exchange(p, raw('/r'), { payload: true });
  assert.match(r.response ?? '', /\r\nlocation: \/GET \/r HTTP\/1.1%0D%0AHost: h%0D%0A%0D%0A\r\n/);
});

test('a backtracking regex on a 7 KB header ends (V8 falls back to the linear engine)', async () => {
  const p = await loadRuleProgram(cfg(['http-request replace-header X-A (a+)+$ z', 'http-request replace-value X-A (a|aa)+$ z']));
  const x = exchange(p, `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(7000)}!\r\n\r\n`);
  assert.equal(x.verdict, RULE.CONTINUE);
  assert.match(x.forwarded ?? '', /x-a: a{7000}!\r\n/);
});

test('a rule set that matches everything, in a storm of 20 000 requests, answers each the same way', async () => {
  const lines = [
    ...Array.from({ length: 50 }, (_, i) => `http-request set-header X-H${i} %[req.hdr(host)]-%[path]`),
    'http-request replace-path (.*) /r\\1',
    'http-request del-header X-H1 -m beg',
    'http-request redirect location %[url]',
  ];
  const p = await loadRuleProgram(cfg(lines));
  let first: string | undefined;
  for (let i = 0; i < 20_000; i++) {
    const x = exchange(p, `GET /p${i % 7} HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.equal(x.verdict, RULE.ANSWER);
    if (i === 0) first = x.response;
  }
  // A redirect to the request's own URL (a loop for the client) costs one answer per request and nothing else.
  assert.equal(first, 'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /r/p0\r\ncache-control: no-cache\r\n\r\n');
});

test('a 1 MB return file is refused with haproxy -c words; one over the rewrite reserve only warns', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-rules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'big.txt'), 'x'.repeat(1 << 20));
  await writeFile(join(dir, 'mid.txt'), 'x'.repeat(16000));
  const big = await load(cfg([`http-request return status 200 content-type text/plain file ${dir}/big.txt`]));
  assert.ok(rendered(big).errors.some((e) => e.includes(`file '${dir}/big.txt' exceeds the buffer size (1048576 > 16384).`)), rendered(big).errors.join('\n'));
  const mid = await loadRuleProgram(cfg([`http-request return status 200 content-type text/plain file ${dir}/mid.txt`]));
  const x = exchange(mid, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.match(x.response ?? '', /^HTTP\/1.1 200 OK\r\ncontent-length: 16000\r\n/);
  const warned = await load(cfg([`http-request return status 200 content-type text/plain file ${dir}/mid.txt`]));
  assert.ok(rendered(warned).warnings.some((w) => w.includes('http reply payload runs over the buffer space reserved to headers rewriting')));
});
