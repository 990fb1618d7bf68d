// Conditions (manual §7.2) over hand-built contexts: implicit AND, `||`/`or`, `!` (every one toggles), anonymous
// ACLs, named ACLs OR'ing their lines, `unless`, the pre-defined ACLs of §7.4, and HAProxy's three-valued logic
// (a term that may still change makes the rule wait unless the rest decides it). Production parse → compile →
// evaluate path (core/acl/condition.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAclTest } from '../../core/acl/acl-parse.js';
import { AclScope, compileCondition, parseCondition } from '../../core/acl/condition.js';
import { bindCondition } from '../../config/keywords/acl-bind.js';
import { COND, conditionVerdict, testAcls, testContext, testEnv } from '../support/acl-context.js';

const GET = testContext({ request: 'GET /img/a.png HTTP/1.1\r\nHost: www.example.com\r\n\r\n', src: '127.0.0.1' });
const POST = testContext({ request: 'POST /api HTTP/1.0\r\nContent-Length: 3\r\n\r\n', src: '10.9.8.7' });

describe('condition logic', () => {
  const cases: readonly (readonly [string, boolean, 'TRUE' | 'FALSE' | 'WAIT'])[] = [
    ['TRUE', false, 'TRUE'],
    ['FALSE', false, 'FALSE'],
    ['TRUE FALSE', false, 'FALSE'],
    ['TRUE TRUE', false, 'TRUE'],
    ['FALSE || TRUE', false, 'TRUE'],
    ['FALSE or TRUE', false, 'TRUE'],
    ['FALSE OR TRUE', false, 'TRUE'],
    ['or FALSE', false, 'FALSE'],
    ['TRUE ||', false, 'TRUE'],
    ['FALSE || || FALSE', false, 'FALSE'],
    ['!FALSE', false, 'TRUE'],
    ['! FALSE', false, 'TRUE'],
    ['!!FALSE', false, 'FALSE'],
    ['! ! FALSE', false, 'FALSE'],
    ['!{ always_false }', false, 'TRUE'],
    ['! { always_true }', false, 'FALSE'],
    ['{ always_true } { always_true }', false, 'TRUE'],
    ['TRUE', true, 'FALSE'],
    ['FALSE', true, 'TRUE'],
    // Nothing after if/unless: the condition fails (haproxy 2.6.12 never runs `if` alone, always `unless` alone).
    ['', false, 'FALSE'],
    ['', true, 'TRUE'],
    // Three-valued: a term that may change (WAIT_END before the inspect delay) decides only when nothing else does.
    ['WAIT_END', false, 'WAIT'],
    ['WAIT_END', true, 'WAIT'],
    ['!WAIT_END', false, 'WAIT'],
    ['FALSE WAIT_END', false, 'FALSE'],
    ['WAIT_END FALSE', false, 'FALSE'],
    ['TRUE WAIT_END', false, 'WAIT'],
    ['TRUE || WAIT_END', false, 'TRUE'],
    ['WAIT_END || TRUE', false, 'TRUE'],
    ['WAIT_END || FALSE', false, 'WAIT'],
  ];
  for (const [text, unless, expected] of cases) {
    test(`${unless ? 'unless' : 'if'} ${text === '' ? '(nothing)' : text} → ${expected}`, () => {
      assert.equal(conditionVerdict(text, testContext({ waitEnded: false }), [], unless), COND[expected]);
    });
  }
});

describe('pre-defined ACLs (§7.4)', () => {
  const cases: readonly (readonly [string, ReturnType<typeof testContext>, boolean])[] = [
    ['LOCALHOST', GET, true],
    ['LOCALHOST', POST, false],
    ['METH_GET', GET, true],
    ['METH_GET', testContext({ request: 'HEAD / HTTP/1.1\r\n\r\n' }), true],
    ['METH_POST', POST, true],
    ['METH_PUT', POST, false],
    ['METH_OPTIONS', testContext({ request: 'OPTIONS * HTTP/1.1\r\n\r\n' }), true],
    ['METH_DELETE', testContext({ request: 'DELETE /x HTTP/1.1\r\n\r\n' }), true],
    ['METH_TRACE', testContext({ request: 'TRACE / HTTP/1.1\r\n\r\n' }), true],
    ['METH_CONNECT', testContext({ request: 'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n' }), true],
    ['METH_HEAD', GET, false],
    ['HTTP_1.0', POST, true],
    ['HTTP_1.1', GET, true],
    ['HTTP_2.0', GET, false],
    ['HTTP_CONTENT', POST, true],
    ['HTTP_CONTENT', GET, false],
    ['HTTP_URL_SLASH', GET, true],
    ['HTTP_URL_ABS', testContext({ request: 'GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n' }), true],
    ['HTTP_URL_ABS', GET, false],
    ['HTTP_URL_STAR', testContext({ request: 'OPTIONS * HTTP/1.1\r\n\r\n' }), true],
    ['HTTP', GET, true],
    ['HTTP', testContext({ payload: 'API 0 8\n' }), false],
    ['REQ_CONTENT', testContext({ payload: 'x' }), true],
    ['WAIT_END', testContext({ waitEnded: true }), true],
  ];
  for (const [name, ctx, expected] of cases) {
    test(`${name} ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(conditionVerdict(name, ctx), expected ? COND.TRUE : COND.FALSE);
    });
  }

  test('a proxy ACL of the same name wins over the pre-defined one', () => {
    const acls = testAcls(['TRUE always_false']);
    assert.equal(conditionVerdict('TRUE', GET, acls), COND.FALSE);
  });
});

describe('named ACLs', () => {
  test('several lines with one name are OR-ed', () => {
    const acls = testAcls(['static path_beg /img', 'static path_end .css', 'api path_beg /api']);
    assert.equal(conditionVerdict('static', GET, acls), COND.TRUE);
    assert.equal(conditionVerdict('static', POST, acls), COND.FALSE);
    assert.equal(conditionVerdict('static || api', POST, acls), COND.TRUE);
    assert.equal(conditionVerdict('!static api', POST, acls), COND.TRUE);
    assert.equal(conditionVerdict('static api', GET, acls), COND.FALSE);
  });

  test('the manual §7.2 example selects as documented', () => {
    const acls = testAcls([
      'url_static path_beg /static /images /img /css',
      'url_static path_end .gif .png .jpg .css .js',
      'host_www hdr_beg(host) -i www',
      'host_static hdr_beg(host) -i img. video. download. ftp.',
    ]);
    const img = testContext({ request: 'GET /x HTTP/1.1\r\nHost: IMG.example.com\r\n\r\n' });
    const rule = 'host_static or host_www url_static';
    assert.equal(conditionVerdict(rule, GET, acls), COND.TRUE);
    assert.equal(conditionVerdict(rule, img, acls), COND.TRUE);
    assert.equal(conditionVerdict(rule, testContext({ request: 'GET /index.html HTTP/1.1\r\nHost: www.a\r\n\r\n' }), acls), COND.FALSE);
  });

  test('a rule inherited from a defaults section keeps evaluating the ACLs of that section', () => {
    const defaults = testAcls(['blocked src 127.0.0.0/8']);
    const opts = {
      declared: (n: string) => n === 'blocked',
      parseAnonymous: (w: readonly string[]) => parseAclTest(w, { file: 't', line: 1 }, { readFile: () => ({ error: 'x' }) }),
    };
    const parsed = parseCondition(['blocked'], false, opts);
    assert.ok(parsed.ok);
    const bound = bindCondition(parsed.spec, new Map(defaults.map((a) => [a.name, a.tests])));
    // The proxy itself declares no ACL at all: the bound tests are all the compiled rule needs.
    const compiled = compileCondition(bound, new AclScope([], testEnv()));
    assert.ok(!('error' in compiled));
    assert.equal(compiled.verdict(GET), COND.TRUE);
    assert.equal(compiled.verdict(POST), COND.FALSE);
  });
});

describe('condition parse errors (HAProxy 2.6 texts)', () => {
  const opts = {
    declared: (n: string) => n === 'known',
    parseAnonymous: (w: readonly string[]) => parseAclTest(w, { file: 't', line: 1 }, { readFile: () => ({ error: 'x' }) }),
  };
  const cases: readonly (readonly [string, string])[] = [
    ['nope', "no such ACL : 'nope'"],
    ['!nope', "no such ACL : 'nope'"],
    ['known || nope', "no such ACL : 'nope'"],
    ['{ src 10.0.0.1', "missing closing '}' in condition"],
    ['{ }', "missing fetch method in ACL expression ''"],
    ['{ { src 10.0.0.1 } }', "missing fetch method in ACL expression '{'"],
    ['{src', "no such ACL : '{src'"],
    ['}', "no such ACL : '}'"],
    ['{ nosuch 1 }', "unknown fetch method 'nosuch' in ACL expression 'nosuch'"],
  ];
  for (const [text, message] of cases) {
    test(`if ${text}: ${message}`, () => {
      const r = parseCondition(text.split(' '), false, opts);
      assert.equal(r.ok ? 'ok' : r.message, message);
    });
  }

  test('a pre-defined ACL orcalb cannot evaluate is refused, not ignored', () => {
    const r = parseCondition(['RDP_COOKIE'], false, opts);
    assert.equal(r.ok ? 'ok' : r.notImplemented, 'req.rdp_cookie_cnt');
  });
});
