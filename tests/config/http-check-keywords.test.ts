// `option httpchk` and `http-check` map into HealthCheckConfig { type: 'http' } as HAProxy 2.6 defines them
// (manual §4.2): the request line forms, send/expect, inheritance, and the ruleset's ordering errors with
// HAProxy's step numbers; what orcalb does not run is a warning.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIMEOUTS, backendNamed, load, oneWarning, rendered, validConfig } from '../support/config-load.js';

const HTTP = `defaults\n  mode http\n${TIMEOUTS}`;

/** The rendered errors of `lines` placed after an http-mode defaults section (line 6 is the first of them). */
async function errorsOf(lines: readonly string[]): Promise<string[]> {
  return rendered(await load([HTTP, ...lines].join('\n'))).errors;
}

describe('option httpchk and http-check', () => {
  async function httpCheckOf(lines: readonly string[]): Promise<unknown> {
    const c = validConfig(await load([HTTP, 'backend b', ...lines.map((l) => `  ${l}`)].join('\n')));
    const hc = backendNamed(c, 'b').healthCheck;
    assert.equal(hc.type, 'http');
    return hc.http;
  }

  test('the 0 to 3 argument forms of option httpchk fill method, URI and version with HAProxy defaults', async () => {
    const base = { headers: [] };
    assert.deepEqual(await httpCheckOf(['option httpchk']), { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', ...base });
    assert.deepEqual(await httpCheckOf(['option httpchk /health']), { method: 'OPTIONS', uri: '/health', version: 'HTTP/1.0', ...base });
    assert.deepEqual(await httpCheckOf(['option httpchk GET /h']), { method: 'GET', uri: '/h', version: 'HTTP/1.0', ...base });
    assert.deepEqual(await httpCheckOf(['option httpchk HEAD /h HTTP/1.1']), { method: 'HEAD', uri: '/h', version: 'HTTP/1.1', ...base });
  });

  test('http-check send and expect complete the request and the expected answer', async () => {
    assert.deepEqual(
      await httpCheckOf([
        'option httpchk GET /health',
        'http-check send meth POST ver HTTP/1.1 hdr Host db hdr X-A "1 2" body "{}"',
        'http-check expect ! rstatus ^5',
      ]),
      {
        method: 'POST',
        uri: '/health',
        version: 'HTTP/1.1',
        headers: [['Host', 'db'], ['X-A', '1 2']],
        body: '{}',
        expect: { match: 'rstatus', pattern: '^5', negate: true },
      },
    );
    // An option written after the send wins for the fields it sets (HAProxy merges the two).
    const later = await httpCheckOf(['http-check send meth POST uri /a', 'option httpchk GET /b', 'http-check expect status 200-399,404']);
    assert.deepEqual(later, { method: 'GET', uri: '/b', version: 'HTTP/1.0', headers: [], expect: { match: 'status', pattern: '200-399,404', negate: false } });
    for (const [line, match, pattern, negate] of [
      ['http-check expect string OK', 'string', 'OK', false],
      ['http-check expect !string ERR', 'string', 'ERR', true],
      ['http-check expect rstring ^OK', 'rstring', '^OK', false],
    ] as const) {
      assert.deepEqual((await httpCheckOf(['option httpchk', line])) as object, { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [], expect: { match, pattern, negate } });
    }
  });

  test('headers hidden after the version are read, with HAProxy deprecation warning', async () => {
    const r = await load([HTTP, 'backend b', '  option httpchk HEAD / HTTP/1.1\\r\\nHost:\\ www'].join('\n'));
    const hc = backendNamed(validConfig(r), 'b').healthCheck.http;
    assert.deepEqual([hc?.version, hc?.headers], ['HTTP/1.1', [['Host', 'www']]]);
    oneWarning(r, "[t.cfg:7] : 'option httpchk' : hiding headers or body at the end of the version string is deprecated.");
  });

  test('a backend inherits the check from defaults and its own http-check lines replace the inherited ones', async () => {
    const c = validConfig(
      await load(
        ['defaults', '  mode http', TIMEOUTS, '  option httpchk GET /d', '  http-check expect status 200', 'backend a', 'backend b', '  http-check send uri /own'].join('\n'),
      ),
    );
    assert.deepEqual(backendNamed(c, 'a').healthCheck.http, { method: 'GET', uri: '/d', version: 'HTTP/1.0', headers: [], expect: { match: 'status', pattern: '200', negate: false } });
    assert.deepEqual(backendNamed(c, 'b').healthCheck.http, { method: 'GET', uri: '/own', version: 'HTTP/1.0', headers: [] });
    // A proxy's own option httpchk changes the request line and keeps the inherited expect.
    const d = validConfig(await load(['defaults', '  mode http', TIMEOUTS, '  option httpchk', '  http-check expect status 204', 'backend c', '  option httpchk /c'].join('\n')));
    assert.deepEqual(backendNamed(d, 'c').healthCheck.http, { method: 'OPTIONS', uri: '/c', version: 'HTTP/1.0', headers: [], expect: { match: 'status', pattern: '204', negate: false } });
  });

  test('http-check errors, ordering rules included, use HAProxy 2.6 texts and step numbers', async () => {
    const cases: [readonly string[], string][] = [
      [['option httpchk GET / HTTP/1.1 extra'], "[t.cfg:7] : 'option httpchk' cannot handle unexpected argument 'extra'."],
      [['http-check send meth'], "[t.cfg:7] : 'http-check send' : 'meth' expects a string as argument."],
      [['http-check send hdr X'], "[t.cfg:7] : 'http-check send' : 'hdr' expects <name> and <value> as arguments."],
      [['http-check send bogus'], "[t.cfg:7] : 'http-check send' : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got 'bogus' as argument."],
      [['http-check expect'], "[t.cfg:7] : 'http-check expect' : expects at least a matching pattern as arguments."],
      [['http-check expect status'], "[t.cfg:7] : 'http-check expect' : 'status' expects a <pattern> as argument."],
      [['http-check expect status abc'], "[t.cfg:7] : 'http-check expect' : invalid character 'a' in the list of status codes."],
      [['http-check expect status 200-'], "[t.cfg:7] : 'http-check expect' : invalid range of status codes '200-'."],
      [['http-check expect status 200 extra'], "[t.cfg:7] : 'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got 'extra' as argument."],
      [['http-check bogus'], "[t.cfg:7] : 'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got 'bogus'"],
      [['http-check connect port 0'], "[t.cfg:7] : 'http-check connect' : expects a valid TCP port (from range 1 to 65535) or a sample expression, got 0."],
      [['http-check connect addr'], "[t.cfg:7] : 'http-check connect' : 'addr' expects <ipv4|ipv6> as argument."],
      [['http-check connect addr foo'], "[t.cfg:7] : 'http-check connect' : 'addr' : invalid address: 'foo' in 'foo'"],
      [['http-check connect sni'], "[t.cfg:7] : 'http-check connect' : 'sni' expects a string as argument."],
      [['http-check expect status 200 min-recv'], "[t.cfg:7] : 'http-check expect' : 'min-recv' expects a integer as argument."],
      [['http-check expect hdr name'], "[t.cfg:7] : 'http-check expect' : 'hdr' expects at the name keyword as first argument followed by a pattern."],
      [['http-check connect bogus'], "[t.cfg:7] : 'http-check connect' : expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got 'bogus' as argument."],
      [['http-check send meth GET', 'http-check connect'], "[t.cfg:8] : 'http-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset."],
    ];
    for (const [lines, message] of cases) {
      assert.deepEqual(await errorsOf(['backend b', ...lines.map((l) => `  ${l}`)]), [message], lines.join(' | '));
    }
    // HAProxy orders the steps only once `option httpchk` made the ruleset an HTTP one (line 7 here).
    const ordering: [readonly string[], string][] = [
      [['http-check send', 'http-check send meth POST'], "[t.cfg:9] : 'http-check send' : unable to add http-check send rule at step 2 (missing connect rule)."],
      [['http-check expect string OK', 'http-check send'], "[t.cfg:9] : 'http-check send' : unable to add http-check send rule at step 2 (missing connect rule)."],
      [['http-check connect', 'http-check connect'], "[t.cfg:9] : 'http-check connect' : unable to add http-check connect rule at step 2 (missing expect rule)."],
      [['http-check connect', 'http-check send', 'http-check connect'], "[t.cfg:10] : 'http-check connect' : unable to add http-check connect rule at step 2 (missing expect rule)."],
      [['http-check connect', 'http-check expect status 200'], "[t.cfg:9] : 'http-check expect' : unable to add http-check expect rule at step 2 (missing send rule)."],
    ];
    for (const [lines, message] of ordering) {
      assert.deepEqual(await errorsOf(['backend b', '  option httpchk', ...lines.map((l) => `  ${l}`)]), [message], lines.join(' | '));
      assert.deepEqual(await errorsOf(['backend b', ...lines.map((l) => `  ${l}`)]), [], `without option httpchk: ${lines.join(' | ')}`);
    }
    // A send written before the option is merged into it; a second send after the option still needs a connect.
    assert.deepEqual(await errorsOf(['backend b', '  http-check send', '  option httpchk', '  http-check send']), [
      "[t.cfg:9] : 'http-check send' : unable to add http-check send rule at step 2 (missing connect rule).",
    ]);
    const [regex] = await errorsOf(['backend b', '  http-check expect rstatus (']);
    assert.match(regex ?? '', /^\[t\.cfg:7\] : 'http-check expect' : regex '\(' is invalid \(error=.+\)\.$/);
  });

  test('what orcalb does not run is a warning: connect options, later exchanges, extra expects, hdr matches', async () => {
    const r = await load(
      [
        HTTP,
        'backend b',
        '  option httpchk',
        '  http-check connect port 8080 ssl',
        '  http-check send uri /a',
        '  http-check expect status 200',
        '  http-check expect string OK',
        '  http-check connect',
        '  http-check send uri /b',
        '  http-check expect hdr name X-A',
        '  http-check disable-on-404',
        'backend c',
        '  http-check send uri /x',
      ].join('\n'),
    );
    const c = validConfig(r);
    oneWarning(r, "[t.cfg:8] : 'http-check connect port' is not implemented yet by orcalb; the check connects as the server line says");
    oneWarning(r, "[t.cfg:8] : 'http-check connect ssl' is not implemented yet");
    oneWarning(r, "[t.cfg:11] : orcalb evaluates only the first 'http-check expect' of the exchange; this one is ignored");
    oneWarning(r, '[t.cfg:12] : orcalb runs only the first connect/send/expect exchange of an http-check ruleset');
    oneWarning(r, "[t.cfg:14] : 'http-check expect hdr' is not implemented yet by orcalb; the step is skipped");
    oneWarning(r, "[t.cfg:15] : 'http-check disable-on-404' is not implemented yet");
    oneWarning(r, "[t.cfg:16] : backend 'c' uses http-check rules without 'option httpchk', so the rules are ignored.");
    assert.deepEqual(backendNamed(c, 'b').healthCheck.http, {
      method: 'OPTIONS',
      uri: '/a',
      version: 'HTTP/1.0',
      headers: [],
      expect: { match: 'status', pattern: '200', negate: false },
    });
    assert.deepEqual(backendNamed(c, 'c').healthCheck, { type: 'connect', rules: [] });
  });

  test('check-ssl on a server runs the check over TLS, with the server\'s verify (required needs a ca-file, issue 14)', async () => {
    const r = await load([HTTP, 'backend b', '  option httpchk', '  server s 127.0.0.1:443 check check-ssl'].join('\n'));
    assert.deepEqual(r.errors.map((e) => [e.line, e.keyword]), [[8, 'server b/s']]);
    assert.match(r.errors[0]?.message ?? '', /^verify is enabled by default but no CA file specified/);
    const ok = await load([HTTP, 'backend b', '  option httpchk', '  server s 127.0.0.1:443 check check-ssl verify none check-sni db.test'].join('\n'));
    assert.deepEqual(ok.errors, []);
    const server = ok.config?.backends[0]?.servers[0];
    assert.equal(server?.tls, undefined);
    assert.equal(server?.checkTls?.sni, 'db.test');
  });
});
