// Sample expressions and log-format strings (manual §7.3.1, §8.2.4) evaluated to text over a hand-built request: every
// converter, the %-variables orcalb evaluates, casts to text, and the values haproxy 2.6.12 wrote into a header for the
// same expressions (measured with `http-request set-header X "%[…]"`: field/word counting, regsub with `g`, `i` and
// back-references, url_param separators, path/base of absolute URIs). Production parse → compile → evaluate path.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readPatternFile } from '../../config/keywords/acl.js';
import { compileLogFormat, parseLogFormat } from '../../core/acl/log-format.js';
import { formatValue, testContext, testEnv, testState } from '../support/acl-context.js';

const REQ = testContext({
  request: 'GET /p/q;c=3?a=1;b=2&d&e=5 HTTP/1.1\r\nHost: Ex.Com\r\nX-Path: /////a///b/c/\r\nX-V: 1, 2\r\n\r\n',
  src: '127.0.0.1',
  srcPort: 51000,
  dst: '10.0.0.1',
  dstPort: 8080,
  backend: 1,
  state: testState(),
});

/** [log-format, value]: the `str(…)` rows are haproxy 2.6.12's outputs for the same header rule. */
const ROWS: readonly (readonly [string, string])[] = [
  ['plain', 'plain'],
  ['100%%', '100%'],
  ['a%-b', 'a%-b'],
  ['%[src]:%[src_port]', '127.0.0.1:51000'],
  ['%ci:%cp %fi:%fp', '127.0.0.1:51000 10.0.0.1:8080'],
  ['%f/%ft/%b', 'web/web/static'],
  ['%HM %HU %HV', 'GET /p/q;c=3?a=1;b=2&d&e=5 HTTP/1.1'],
  ['%HP|%HQ', '/p/q;c=3|?a=1;b=2&d&e=5'],
  ['%[str(f1_f2_f3__f5),field(5,_)]', 'f5'],
  ['%[str(f1_f2_f3__f5),field(2,_,0)]', 'f2_f3__f5'],
  ['%[str(f1_f2_f3__f5),field(2,_,2)]', 'f2_f3'],
  ['%[str(f1_f2_f3__f5),field(-2,_,3)]', 'f2_f3_'],
  ['%[str(f1_f2_f3__f5),field(-3,_,0)]', 'f1_f2_f3'],
  ['%[str(f1_f2_f3__f5),field(7,_)]', ''],
  ['%[str(f1_f2_f3__f5),field(-7,_)]', ''],
  ['%[str(f1_f2_f3__f5),field(-2,_,9)]', 'f1_f2_f3_'],
  ['%[str(_a_),field(-1,_,0)]', '_a_'],
  ['%[str(a_b_c),field(2,_,0)]', 'b_c'],
  ['%[str(f1_f2_f3__f5),word(4,_)]', 'f5'],
  ['%[str(f1_f2_f3__f5),word(2,_,0)]', 'f2_f3__f5'],
  ['%[str(f1_f2_f3__f5),word(3,_,2)]', 'f3__f5'],
  ['%[str(f1_f2_f3__f5),word(-2,_,3)]', 'f1_f2_f3'],
  ['%[str(f1_f2_f3__f5),word(-3,_,0)]', 'f1_f2'],
  ['%[str(/f1/f2/f3/f4),word(1,/)]', 'f1'],
  ['%[str(_f1_f2_f3__f5_),word(2,_,0)]', 'f2_f3__f5_'],
  ['%[str(_f1_f2_f3__f5_),word(-2,_,2)]', 'f2_f3'],
  ['%[str(_f1_f2_f3__f5_),word(-1,_,0)]', '_f1_f2_f3__f5'],
  ['%[str(_f1_f2_f3__f5_),word(9,_)]', ''],
  ['%[str(a__b),word(1,_,0)]', 'a__b'],
  ['%[str(aZ),hex]', '615A'],
  ['%[str(hello),base64]', 'aGVsbG8='],
  ['%[str(hi),base64]', 'aGk='],
  ['%[str(hello),bytes(1,2)]', 'el'],
  ['%[str(hello),bytes(9)]', ''],
  ['%[str(hello),bytes(2)]', 'llo'],
  ['%[str(AbC-z),lower]', 'abc-z'],
  ['%[str(AbC-z),upper]', 'ABC-Z'],
  ['%[str(aaa-bbb),regsub(a,X)]', 'Xaa-bbb'],
  ['%[str(aaa-bbb),regsub(a,X,g)]', 'XXX-bbb'],
  ["%[str(aaa-bbb),regsub('(a+)-(b+)','\\2\\1')]", 'bbbaaa'],
  ['%[str(aAa),regsub(a,X,gi)]', 'XXX'],
  ['%[str(abc),regsub(x*,-,g)]', '-a-b-c-'],
  ["%[hdr(x-path),regsub('/+','/','g')]", '/a/b/c/'],
  ['%[src,ipmask(24)]', '127.0.0.0'],
  ['%[str(10.1.2.3),ipmask(255.255.0.0)]', '10.1.0.0'],
  ['%[url_param(a)]', '1'],
  ['%[url_param(b)]', '2'],
  ['%[url_param(c,;)]', '3?a=1'],
  ['%[url_param]', '1'],
  ['%[url_param(d)]', ''],
  ['%[query]', 'a=1;b=2&d&e=5'],
  ['%[path]', '/p/q;c=3'],
  ['%[base]', 'Ex.Com/p/q;c=3'],
  ['%[hdr(x-v)]', '2'],
  ['%[hdr(x-v,1)]', '1'],
  ['%[req.fhdr(x-v)]', '1, 2'],
  ['%[hdr_cnt(x-v)]', '2'],
  ['%[req.hdr(host),lower,upper]', 'EX.COM'],
  ['%[src_port,hex]', '3531303030'],
  ['%[always_true]', '1'],
  ['%[nbsrv(app)]', '3'],
  ['%[be_name]:%[fe_name]', 'static:web'],
  ['%[req.hdr(nothing)]x', 'x'],
  ['%[method]', 'GET'],
  ['%[req.ver]', '1.1'],
];

describe('log-format values', () => {
  for (const [format, value] of ROWS) {
    test(`${format} → ${JSON.stringify(value)}`, () => {
      assert.equal(formatValue(format, REQ), value);
    });
  }

  test('the absolute-form targets haproxy measured: path empty without one, base without Host is the path', () => {
    const abs = testContext({ request: 'GET http://h.com HTTP/1.1\r\nHost: h.com\r\n\r\n' });
    assert.equal(formatValue('[%[path]][%[base]][%[query]]', abs), '[][h.com][]');
    const noHost = testContext({ request: 'GET http://h.com/x?y HTTP/1.1\r\n\r\n' });
    assert.equal(formatValue('[%[path]][%[base]][%[query]]', noHost), '[/x][/x][y]');
  });

  // Measured on haproxy 2.6.12 (set-header X %[url_param(p),url_dec]): control characters but TAB come out as %XX.
  test('in a header value, CR, LF, NUL and the other control characters from a sample are written %XX (no header injection)', () => {
    const ctx = testContext({ payload: 'a\r\nX-Injected: 1\r\n\0b' });
    const parsed = parseLogFormat('v=%[req.payload(0,0)]', { readFile: readPatternFile });
    assert.ok(parsed.ok);
    const compiled = compileLogFormat(parsed.spec, testEnv());
    assert.ok(!('error' in compiled));
    assert.equal(compiled.evaluate(ctx), 'v=a\r\nX-Injected: 1\r\n\0b');
    assert.equal(compiled.evaluate(ctx, true), 'v=a%0D%0AX-Injected: 1%0D%0A%00b');
    const tab = testContext({ payload: 'a\tb\x01\x7f\x80' });
    assert.equal(compiled.evaluate(tab, true), 'v=a\tb%01%7F\x80');
  });
});

describe('map converters read their files once at load', () => {
  test('map, map_beg, map_ip, map_int, map_reg, map_regm, defaults and output types', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orcalb-acl-map-'));
    const files: Record<string, string> = {
      'hosts.map': '# comment\n\n   ex.com   app   \nother.com static\nex.com shadowed\n',
      'beg.map': '/api api\n/ap short\n/static static\n',
      'nets.map': '10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n127.0.0.0/8 loop\n::1 six\n',
      'ints.map': '1:10 low\n11: high\n',
      'reg.map': '^/u/([0-9]+)$ user-\\1\n^/p/(.*) page-\\1\n',
      'ip-values.map': 'a 10.0.0.1\nb ::1\n',
      'num.map': 'ex.com 5\n',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const read = (p: string): string | { error: string } => readPatternFile(p.replace('@', `${dir}/`));
    const ctx = testContext({ request: 'GET /u/42 HTTP/1.1\r\nHost: ex.com\r\nX-N: 12\r\nX-K: b\r\n\r\n', src: '10.1.2.3' });
    const v = (format: string): string => formatValue(format, ctx, testEnv(), read);
    assert.equal(v('%[req.hdr(host),map(@hosts.map)]'), 'app');
    assert.equal(v('%[str(nope),map(@hosts.map,dflt)]'), 'dflt');
    assert.equal(v('%[str(nope),map(@hosts.map)]'), '');
    assert.equal(v('%[str(/apix),map_beg(@beg.map)]'), 'api');
    assert.equal(v('%[str(/apx),map_beg(@beg.map)]'), 'short');
    assert.equal(v('%[src,map_ip(@nets.map)]'), 'ten-one');
    assert.equal(v('%[str(10.9.9.9),map_ip(@nets.map)]'), 'ten');
    assert.equal(v('%[str(::1),map_ip(@nets.map)]'), 'six');
    assert.equal(v('%[req.hdr(x-n),map_int(@ints.map)]'), 'high');
    assert.equal(v('%[path,map_reg(@reg.map)]'), 'user-\\1');
    assert.equal(v('%[path,map_regm(@reg.map)]'), 'user-42');
    assert.equal(v('%[req.hdr(x-k),map_str_ip(@ip-values.map)]'), '::1');
    assert.equal(v('%[str(a),map_str_ip(@ip-values.map),ipmask(8)]'), '10.0.0.0');
    assert.equal(v('%[req.hdr(host),map_str_int(@num.map,7)]'), '5');
    assert.equal(v('%[str(x),map_str_int(@num.map,7)]'), '7');
  });
});
