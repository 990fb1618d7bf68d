// A hostile client against core/acl/: regexes a long header would make a backtracking engine run for hours (V8's
// linear engine answers at once; patterns that need backtracking are refused at load), seeded random bytes through
// every payload fetch (TLS records with lying lengths, truncated heads), random text through the expression and
// log-format parsers, converter chains that outgrow the arena, 200 000-line -f files. Nothing may throw, hang or
// answer wrongly; a hang would show as this file's timeout.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAclTest } from '../../core/acl/acl-parse.js';
import { AclScope } from '../../core/acl/condition.js';
import { parseLogFormat } from '../../core/acl/log-format.js';
import { parseSampleExpr } from '../../core/acl/sample-expr.js';
import { prng } from '../support/prng.js';
import { ACL, clientHello, testAcls, testContext, testEnv, testResult } from '../support/acl-context.js';

const NO_FILES = { readFile: (p: string) => ({ error: `failed to open pattern file <${p}>` }) };

describe('regexes a client cannot stall', () => {
  test('exponential patterns over an 8 kB header answer without backtracking', () => {
    const value = `${'a'.repeat(8_000)}!`;
    const ctx = testContext({ request: `GET / HTTP/1.1\r\nX-A: ${value}\r\n\r\n` });
    for (const criterion of ['hdr_reg(x-a) ^(a+)+$', 'hdr_reg(x-a) -i ^(a|aa)+$', 'hdr(x-a) -m reg ^(a*)*b$', 'hdr_reg(x-a) -i (?i)^(A+)+$']) {
      assert.equal(testResult(criterion, ctx), ACL.FAIL, criterion);
    }
    assert.equal(testResult('hdr_reg(x-a) ^(a+)+!$', ctx), ACL.PASS);
  });

  test('patterns that need backtracking are refused at load, not run', () => {
    for (const words of [['path_reg', '(a+)\\1'], ['path_reg', 'a(?=b)'], ["path,regsub('(a)\\1',x)", 'y']]) {
      const r = parseAclTest(words, { file: 't', line: 1 }, NO_FILES);
      assert.equal(r.ok, false, words.join(' '));
      assert.match(r.ok ? '' : r.message, /back-references or look-ahead/);
    }
  });
});

describe('random bytes through the payload fetches', () => {
  test('20 000 seeded payloads (mutated ClientHellos, HTTP heads, DolphinDB headers) never throw', () => {
    const rand = prng(2011);
    const seeds = [clientHello('db.example.com'), Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), Buffer.from('API2 0 8 / 0_1_4_2\nconnect\n')];
    const tests = ['req.ssl_sni -m found', 'req.ssl_hello_type 1', 'req.proto_http', 'ddb.proto -m found', 'req.payload(3,4) -m found', 'req.len gt 0', 'HTTP'];
    const acls = testAcls(tests.filter((t) => t !== 'HTTP').map((t, i) => `t${i} ${t}`));
    const scope = new AclScope(acls, testEnv());
    const compiled = acls.map((a) => scope.get(a.name)).map((c) => {
      assert.ok(!('error' in c));
      return c;
    });
    for (let k = 0; k < 20_000; k++) {
      const seed = seeds[k % seeds.length] ?? Buffer.alloc(0);
      const buf = Buffer.from(seed.subarray(0, Math.floor(rand() * (seed.length + 1))));
      const flips = Math.floor(rand() * 4);
      for (let f = 0; f < flips && buf.length > 0; f++) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256);
      const ctx = testContext({ payload: buf, final: rand() < 0.5 });
      for (const c of compiled) {
        const r = c.evaluate(ctx);
        assert.ok(r === ACL.PASS || r === ACL.FAIL || r === ACL.MISS);
      }
    }
  });

  test('a ClientHello whose lengths point past the record is not read beyond it', () => {
    const hello = clientHello('db.example.com');
    // The server_name entry claims 200 bytes: the name would run past the extension and the record.
    const at = hello.indexOf(Buffer.from('db.example.com')) - 2;
    hello.writeUInt16BE(200, at);
    assert.equal(testResult('req.ssl_sni -m found', testContext({ payload: hello })), ACL.FAIL);
  });
});

describe('random text through the parsers', () => {
  test('20 000 seeded expressions and log-formats are parsed or refused, never thrown', () => {
    const rand = prng(99);
    const pieces = ['%[', ']', '(', ')', ',', "'", '"', '\\', 'src', 'hdr', 'req.hdr(host)', 'lower', 'map(', 'regsub(', 'field(', '%', 'ci', '{', '}', 'a', '0', '-', ' '];
    for (let k = 0; k < 20_000; k++) {
      let text = '';
      const n = 1 + Math.floor(rand() * 12);
      for (let i = 0; i < n; i++) text += pieces[Math.floor(rand() * pieces.length)];
      const e = parseSampleExpr(text, 0, NO_FILES);
      assert.equal(typeof e.ok, 'boolean');
      const f = parseLogFormat(text, NO_FILES);
      assert.equal(typeof f.ok, 'boolean');
      const a = parseAclTest(text.split(' '), { file: 't', line: 1 }, NO_FILES);
      assert.equal(typeof a.ok, 'boolean');
    }
  });
});

describe('converters that outgrow their arena', () => {
  test('a chain that would need more than the arena holds has no value, and the next evaluation is whole again', () => {
    const payload = Buffer.alloc(16_000, 0x41);
    const ctx = testContext({ payload });
    assert.equal(testResult('req.payload(0,0),hex,hex,hex -m found', ctx), ACL.FAIL);
    assert.equal(testResult('req.payload(0,0),hex -m len 32000', ctx), ACL.PASS);
  });
});

describe('large -f files', () => {
  test('200 000 networks and 200 000 strings load and answer exactly', () => {
    const nets: string[] = [];
    for (let i = 0; i < 200_000; i++) nets.push(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
    const words = Array.from({ length: 200_000 }, (_, i) => `host-${i}.example.com`);
    const files: Readonly<Record<string, string>> = { 'nets.lst': nets.join('\n'), 'hosts.lst': words.join('\n') };
    const readFile = (p: string): string | { error: string } => files[p] ?? { error: `failed to open pattern file <${p}>` };
    const acls = testAcls(['n src -f nets.lst', 'h hdr(host) -i -f hosts.lst', 'e hdr(host) -m end -f hosts.lst'], readFile);
    const scope = new AclScope(acls, testEnv());
    const at = (src: string, host: string): number[] =>
      ['n', 'h', 'e'].map((name) => {
        const acl = scope.get(name);
        assert.ok(!('error' in acl));
        return acl.evaluate(testContext({ src, request: `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n` }));
      });
    assert.deepEqual(at('12.13.14.15', 'HOST-131092.example.com'), [ACL.PASS, ACL.PASS, ACL.FAIL]);
    // 13.200.x.x is past the last network (the file covers 10.0.0.0 to 13.13.79.0).
    assert.deepEqual(at('13.200.14.15', 'x.host-7.example.com'), [ACL.FAIL, ACL.FAIL, ACL.PASS]);
  });
});
