// HTTP-mode keywords map into config/model.ts as HAProxy 2.6 defines them (manual §4.2): http-request and
// http-response header rules, errorfile, cookie, retry-on, option forwardfor/originalto/persist (option httpchk
// and http-check: http-check-keywords.test.ts); every error carries its file:line and HAProxy's text.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseNetwork } from '../../core/net/network.js';
import { TIMEOUTS, backendNamed, frontendNamed, load, oneWarning, rendered, tempConfigDir, validConfig } from '../support/config-load.js';

const HTTP = `defaults\n  mode http\n${TIMEOUTS}`;

/** The rendered errors of `lines` placed after an http-mode defaults section (line 6 is the first of them). */
async function errorsOf(lines: readonly string[]): Promise<string[]> {
  return rendered(await load([HTTP, ...lines].join('\n'))).errors;
}

describe('http-request and http-response header rules', () => {
  test('set-header, add-header and del-header become HeaderRule lists of the frontend and the backend', async () => {
    const c = validConfig(
      await load(
        [
          HTTP,
          'frontend f',
          '  bind 127.0.0.1:18000',
          '  http-request set-header X-A "a b" if TRUE',
          '  http-request add-header X-C %[src]',
          '  http-request del-header X-D -m str unless FALSE',
          '  http-response del-header Server',
          '  default_backend b',
          'backend b',
          '  http-response set-header X-Served-By b',
          '  http-request add-header X-B "1"',
        ].join('\n'),
      ),
    );
    // Values are kept as written and parsed as log-formats; conditions as written and parsed into terms.
    const src = { text: 'src', fetch: { name: 'src', args: [] }, converters: [] };
    assert.deepEqual(frontendNamed(c, 'f').http?.request, [
      {
        source: { file: 't.cfg', line: 8 },
        action: 'set-header',
        name: 'X-A',
        value: 'a b',
        valueFormat: { text: 'a b', parts: [{ kind: 'text', text: 'a b' }] },
        condition: { negate: false, text: 'TRUE', terms: [[{ negate: false, acl: 'TRUE' }]] },
      },
      {
        source: { file: 't.cfg', line: 9 },
        action: 'add-header',
        name: 'X-C',
        value: '%[src]',
        valueFormat: { text: '%[src]', parts: [{ kind: 'expr', expr: src }] },
      },
      {
        source: { file: 't.cfg', line: 10 },
        action: 'del-header',
        name: 'X-D',
        condition: { negate: true, text: 'FALSE', terms: [[{ negate: false, acl: 'FALSE' }]] },
      },
    ]);
    assert.deepEqual(frontendNamed(c, 'f').http?.response, [
      { source: { file: 't.cfg', line: 11 }, action: 'del-header', name: 'Server' },
    ]);
    const b = backendNamed(c, 'b').http;
    assert.deepEqual(b?.request.map((r) => [r.action, r.name, r.value]), [['add-header', 'X-B', '1']]);
    assert.deepEqual(b?.response.map((r) => [r.action, r.name, r.value]), [['set-header', 'X-Served-By', 'b']]);
  });

  test('a listen section puts its rules on the backend half only, so they apply once', async () => {
    const c = validConfig(
      await load([HTTP, 'listen l', '  bind 127.0.0.1:18000', '  http-request set-header X-L 1', '  http-response del-header Server'].join('\n')),
    );
    const fe = frontendNamed(c, 'l').http;
    assert.deepEqual([fe?.request, fe?.response, fe?.errorfiles], [[], [], {}]);
    // The rule program's lists are on both halves: core/forward/http-rules/compile-http-rules.ts runs a listen's
    // rules once (its backend half only when another frontend sends to it), as HAProxy does.
    assert.deepEqual(fe?.requestRules?.map((r) => r.action), ['set-header']);
    assert.deepEqual(backendNamed(c, 'l').http?.requestRules?.map((r) => r.action), ['set-header']);
    assert.deepEqual(backendNamed(c, 'l').http?.request.map((r) => r.name), ['X-L']);
    assert.deepEqual(backendNamed(c, 'l').http?.response.map((r) => r.name), ['Server']);
  });

  test("a named defaults section's rules come first, and only frontends or only backends may use it", async () => {
    const text = [
      'defaults web',
      '  mode http',
      TIMEOUTS,
      '  http-request set-header X-From-Defaults 1',
      'frontend f from web',
      '  bind 127.0.0.1:18000',
      '  http-request set-header X-Own 1',
    ].join('\n');
    const c = validConfig(await load(text));
    assert.deepEqual(frontendNamed(c, 'f').http?.request.map((r) => r.name), ['X-From-Defaults', 'X-Own']);
    assert.deepEqual(rendered(await load(`${text}\nbackend b from web`)).errors, [
      '[t.cfg:10] : frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at t.cfg:1).',
    ]);
    assert.deepEqual(rendered(await load(`${text}\nlisten l from web\n  bind 127.0.0.1:18001`)).errors, [
      '[t.cfg:10] : a listen section cannot inherit from a defaults section defining TCP/HTTP rules.',
    ]);
  });

  test('malformed rules are errors with HAProxy 2.6 texts', async () => {
    const cases: [string, string][] = [
      ['http-request set-header X', "error detected in proxy 'l' while parsing 'http-request set-header' rule : expects exactly 2 arguments."],
      ['http-response add-header X', "error detected in proxy 'l' while parsing 'http-response add-header' rule : expects exactly 2 arguments."],
      ['http-request del-header', "error detected in proxy 'l' while parsing 'http-request del-header' rule : expects at least 1 argument."],
      ['http-request set-header X a b', "'http-request set-header' expects either 'if' or 'unless' followed by a condition but found 'b'."],
      ['http-request del-header X Y', "'http-request del-header' expects either 'if' or 'unless' followed by a condition but found 'Y'."],
      ['http-request del-header X -m foo', "error detected in proxy 'l' while parsing 'http-request del-header' rule : -m with unsupported matching method 'foo'."],
      ['http-request set-header X y if foo', "error detected while parsing an 'http-request set-header' condition : no such ACL : 'foo'."],
      ['http-request set-header X ""', "error detected in proxy 'l' while parsing 'http-request set-header' rule : expects exactly 2 arguments."],
      ['http-request set-header X if TRUE', "'http-request set-header' expects either 'if' or 'unless' followed by a condition but found 'TRUE'."],
      ['http-request del-header X -m', "error detected in proxy 'l' while parsing 'http-request del-header' rule : -m flag expects exactly 1 argument."],
      ['http-request set-header X %[src', "error detected in proxy 'l' while parsing 'http-request set-header' rule : missing ']' after 'src'."],
    ];
    for (const [line, message] of cases) {
      assert.deepEqual(await errorsOf(['listen l', '  bind 127.0.0.1:18000', `  ${line}`]), [`[t.cfg:8] : ${message}`], line);
    }
  });

  test('an unknown action lists every 2.6 action, as HAProxy does', async () => {
    const [error] = await errorsOf(['listen l', '  bind 127.0.0.1:18000', '  http-response frob']);
    assert.match(error ?? '', /^\[t\.cfg:8\] : 'http-response' expects 'ot-group', .*'set-status', .*'silent-drop', but got 'frob'\.$/);
    const [missing] = await errorsOf(['listen l', '  bind 127.0.0.1:18000', '  http-request']);
    assert.match(missing ?? '', /'set-priority-offset', but got '' \(missing argument\)\.$/);
  });

  test('actions no session runs are refused, the harmless ones are warnings naming the action', async () => {
    const r = await load(
      // set-src and set-dst run since issue 11 (tests/regressions/issue-0011-set-src.test.ts): accepted here. A proxy
      // that forwards: there use-service stays refused (a proxy orcalb answers itself runs it: issue 12).
      [HTTP, 'listen l', '  bind 127.0.0.1:18000', '  http-request use-service prometheus-exporter', '  http-request set-src src', '  http-response set-log-level err', '  http-request send-spoe-group waf g', '  server s 127.0.0.1:1'].join('\n'),
    );
    assert.deepEqual(
      // use-service is judged once the whole proxy is known (does it forward?): its error comes after the parse's.
      r.errors.map((e) => [e.line, e.code, e.found]).sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [8, 'ORCA_CONFIG_NOT_IMPLEMENTED', 'http-request use-service'],
        [11, 'ORCA_CONFIG_NOT_IMPLEMENTED', 'http-request send-spoe-group'],
      ],
    );
    oneWarning(r, "[t.cfg:10] : 'http-response set-log-level' is not implemented yet by orcalb");
  });

  test('normalize-uri: an option-taking normalizer with a condition and no option runs path-merge-slashes (2.6.12), with a warning', async () => {
    const r = await load(
      ['global', '  expose-experimental-directives', HTTP, 'listen l', '  bind 127.0.0.1:18000', '  http-request normalize-uri path-strip-dotdot if TRUE', '  http-request normalize-uri percent-to-uppercase strict if TRUE'].join('\n'),
    );
    assert.deepEqual(r.errors, []);
    oneWarning(r, "[t.cfg:10] : 'http-request normalize-uri path-strip-dotdot' followed by a condition without 'full' runs path-merge-slashes in HAProxy 2.6");
    const rules = r.config?.frontends[0]?.http?.requestRules ?? [];
    assert.deepEqual(
      rules.map((x) => (x.action === 'normalize-uri' ? [x.normalizer, x.option] : [x.action])),
      [['path-merge-slashes', false], ['percent-to-uppercase', true]],
    );
  });

  test('in a TCP proxy the HTTP settings are dropped with HAProxy 2.6 warnings', async () => {
    const r = await load(
      [
        'frontend f',
        '  bind 127.0.0.1:18000',
        '  http-request set-header X y',
        '  option forwardfor',
        '  default_backend b',
        TIMEOUTS,
        'backend b',
        '  http-response del-header X',
        '  cookie S insert',
        '  option originalto',
        '  server t 127.0.0.1:3 cookie a',
      ].join('\n'),
    );
    const c = validConfig(r);
    oneWarning(r, "[t.cfg:1] : 'http-request' rules ignored for frontend 'f' as they require HTTP mode.");
    oneWarning(r, "[t.cfg:1] : 'option forwardfor' ignored for frontend 'f' as it requires HTTP mode.");
    oneWarning(r, "[t.cfg:9] : cookie will be ignored for backend 'b' (needs 'mode http').");
    oneWarning(r, "[t.cfg:9] : 'http-response' rules ignored for backend 'b' as they require HTTP mode.");
    oneWarning(r, "[t.cfg:9] : 'option originalto' ignored for backend 'b' as it requires HTTP mode.");
    oneWarning(r, "[t.cfg:13] : backend 'b' : ignoring cookie for server 't' as HTTP mode is disabled.");
    assert.equal(frontendNamed(c, 'f').http, undefined);
    assert.equal(backendNamed(c, 'b').http, undefined);
    assert.equal(backendNamed(c, 'b').cookie, undefined);
  });
});

describe('errorfile', () => {
  const RESPONSE = 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n<h1>busy</h1>\n';

  test('the file content is stored per status code, on both halves of a listen', async (t) => {
    const dir = await tempConfigDir(t, { '503.http': RESPONSE, 'empty.http': '' });
    const c = validConfig(
      await load(
        [HTTP, `  errorfile 504 ${join(dir, '503.http')}`, 'listen l', '  bind 127.0.0.1:18000', `  errorfile 503 ${join(dir, '503.http')}`, `  errorfile 408 ${join(dir, 'empty.http')}`].join('\n'),
      ),
    );
    const expected = { 503: RESPONSE, 504: RESPONSE, 408: '' };
    assert.deepEqual(frontendNamed(c, 'l').http?.errorfiles, expected);
    assert.deepEqual(backendNamed(c, 'l').http?.errorfiles, expected);
  });

  test('a relative path is read from the current directory, as HAProxy does', async (t) => {
    const dir = await tempConfigDir(t, { '503.http': RESPONSE });
    const before = process.cwd();
    process.chdir(dir);
    t.after(() => process.chdir(before));
    const c = validConfig(await load([HTTP, 'backend b', '  errorfile 503 503.http'].join('\n')));
    assert.equal(backendNamed(c, 'b').http?.errorfiles[503], RESPONSE);
  });

  test('bad codes, unreadable files and malformed responses are errors with HAProxy 2.6 texts', async (t) => {
    const files = {
      'ok.http': RESPONSE,
      'garbage.http': 'garbage\n',
      'header.http': 'HTTP/1.1 503 X\r\nFoo\r\n\r\n',
      'space.http': 'HTTP/1.1 503 X\r\nA : b\r\n\r\n',
      'status.http': 'HTTP/1.1 abc X\r\n\r\n',
      'incomplete.http': 'HTTP/1.1 503 X\r\nA: b\r\n',
      'two-lengths.http': 'HTTP/1.1 503 X\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      'length.http': 'HTTP/1.1 503 X\r\nA: b\r\nContent-Length: 3\r\n\r\nabcdef',
      'chunked.http': 'HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    };
    const dir = await tempConfigDir(t, files);
    const f = (name: string): string => join(dir, name);
    const cases: [string, string][] = [
      ['errorfile 503', 'expects <status_code> and <file> as arguments.'],
      [`errorfile 999 ${f('ok.http')}`, "status code '999' not handled."],
      [`errorfile abc ${f('ok.http')}`, "status code '0' not handled."],
      [`errorfile 302 ${f('ok.http')}`, "status code '302' not handled."],
      [`errorfile 503 ${f('missing.http')}`, `error opening file '${f('missing.http')}'.`],
      [`errorfile 503 ${dir}`, `error reading file '${dir}'.`],
      [`errorfile 503 ${f('garbage.http')}`, `'${f('garbage.http')}': unable to parse headers (error offset: 0)`],
      [`errorfile 503 ${f('header.http')}`, `'${f('header.http')}': unable to parse headers (error offset: 19)`],
      [`errorfile 503 ${f('space.http')}`, `'${f('space.http')}': unable to parse headers (error offset: 17)`],
      [`errorfile 503 ${f('status.http')}`, `'${f('status.http')}': unable to parse headers (error offset: 9)`],
      [`errorfile 503 ${f('incomplete.http')}`, `'${f('incomplete.http')}': unable to parse headers (error offset: -2)`],
      [`errorfile 503 ${f('two-lengths.http')}`, `'${f('two-lengths.http')}': unable to parse headers (error offset: 51)`],
      [`errorfile 503 ${f('length.http')}`, `'${f('length.http')}': payload size does not match the announced content-length (6 != 3)`],
      [`errorfile 503 ${f('chunked.http')}`, `'${f('chunked.http')}': chunk-encoded payload not supported`],
    ];
    for (const [line, message] of cases) {
      assert.deepEqual(await errorsOf(['backend b', `  ${line}`]), [`[t.cfg:7] : 'errorfile' : ${message}`], line);
    }
  });

  test('every status code HAProxy 2.6 allows is accepted', async (t) => {
    const dir = await tempConfigDir(t, { 'r.http': RESPONSE });
    const codes = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];
    const c = validConfig(await load([HTTP, 'backend b', ...codes.map((code) => `  errorfile ${code} ${join(dir, 'r.http')}`)].join('\n')));
    assert.deepEqual(Object.keys(backendNamed(c, 'b').http?.errorfiles ?? {}).map(Number), codes);
  });
});

describe('cookie and retry-on', () => {
  test('cookie options map to CookieConfig and server cookie values stay on the servers', async () => {
    const r = await load(
      [HTTP, 'backend b', '  cookie SRV insert indirect nocache postonly httponly secure domain .a.com domain .b.com', '  server s 127.0.0.1:80 cookie s1'].join('\n'),
    );
    const b = backendNamed(validConfig(r), 'b');
    assert.deepEqual(b.cookie, {
      source: { file: 't.cfg', line: 7 },
      name: 'SRV',
      mode: 'insert',
      indirect: true,
      nocache: true,
      postonly: true,
      httponly: true,
      secure: true,
      domains: ['.a.com', '.b.com'],
    });
    assert.equal(b.servers[0]?.cookie, 's1');
    for (const [line, mode] of [['cookie J rewrite', 'rewrite'], ['cookie J prefix indirect', 'prefix']] as const) {
      const c = validConfig(await load([HTTP, 'backend b', `  ${line}`].join('\n')));
      assert.equal(backendNamed(c, 'b').cookie?.mode, mode);
    }
  });

  test('cookie errors and warnings use HAProxy 2.6 texts', async () => {
    const cases: [string, string][] = [
      ['cookie', "'cookie' expects <cookie_name> as argument."],
      ['cookie S rewrite indirect', "cookie 'rewrite' and 'indirect' modes are incompatible."],
      ['cookie S insert rewrite', "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."],
      ['cookie S preserve', "cookie 'preserve' requires at least 'insert' or 'indirect'."],
      ['cookie S insert bogus', "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options."],
      ['cookie S insert domain', "'domain' expects <domain> as argument."],
      ['cookie S insert maxidle', "'maxidle' expects <idletime> in seconds as argument."],
      ['cookie S insert maxlife 3y', "unexpected character 'y' in argument to <maxlife>."],
      ['cookie S insert attr', "'attr' expects <value> as argument."],
      ['cookie S insert attr "a;b"', "character '%x3B' is not permitted in attribute value."],
    ];
    for (const [line, message] of cases) {
      assert.deepEqual(await errorsOf(['backend b', `  ${line}`]), [`[t.cfg:7] : ${message}`], line);
    }
    const r = await load([HTTP, 'backend b', '  cookie S insert domain localhost maxidle 30m dynamic attr SameSite=None', '  cookie T'].join('\n'));
    const c = validConfig(r);
    oneWarning(r, "[t.cfg:7] : domain 'localhost' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3).");
    oneWarning(r, "'cookie maxidle' is not implemented yet by orcalb");
    oneWarning(r, "'cookie dynamic' is not implemented yet by orcalb");
    oneWarning(r, "'cookie attr' is not implemented yet by orcalb");
    // The passive form has no mode in the model: no persistence, said so.
    oneWarning(r, "[t.cfg:8] : 'cookie' without 'insert', 'rewrite' or 'prefix' is not implemented yet by orcalb");
    assert.equal(backendNamed(c, 'b').cookie, undefined);
  });

  test('retry-on defaults to conn-failure and takes every 2.6 keyword; a later line replaces it', async () => {
    const all = 'conn-failure empty-response junk-response response-timeout 0rtt-rejected 401 403 404 408 425 500 501 502 503 504';
    const c = validConfig(
      await load([HTTP, 'backend a', 'backend b', `  retry-on ${all}`, 'backend n', '  retry-on 503', '  retry-on none'].join('\n')),
    );
    assert.deepEqual(backendNamed(c, 'a').retryOn, ['conn-failure']);
    assert.deepEqual(backendNamed(c, 'b').retryOn, all.split(' '));
    assert.deepEqual(backendNamed(c, 'n').retryOn, ['none']);
  });

  test('retry-on errors use HAProxy 2.6 texts, and a frontend refuses it', async () => {
    const cases: [string, string][] = [
      ['retry-on', "'retry-on' needs at least one keyword to specify when to retry"],
      ['retry-on none 503', "'retry-on' 'none' keyworld only usable alone"],
      ['retry-on 429', "'retry-on': unknown keyword '429'"],
      ['retry-on bogus', "'retry-on': unknown keyword 'bogus'"],
    ];
    for (const [line, message] of cases) {
      assert.deepEqual(await errorsOf(['backend b', `  ${line}`]), [`[t.cfg:7] : ${message}`], line);
    }
    assert.deepEqual(await errorsOf(['frontend f', '  bind 127.0.0.1:18000', '  retry-on 503']), [
      "[t.cfg:8] : 'retry-on' only available in backend or listen section",
    ]);
  });
});

describe('forwardfor, originalto, persist, connection modes and HTTP timeouts', () => {
  test('options map to ProxyOptions with HAProxy defaults and normalised networks', async () => {
    const c = validConfig(
      await load(
        [
          HTTP,
          '  option http-keep-alive',
          '  timeout http-request 5s',
          '  timeout http-keep-alive 2s',
          'frontend f',
          '  bind 127.0.0.1:18000',
          '  option forwardfor',
          '  option originalto except 10.1.2.3/255.0.0.0 header X-Dst',
          '  option httpclose',
          'backend b',
          '  option forwardfor if-none header X-Real except 2001:db8::1/32',
          '  option originalto',
          '  option persist',
          '  option http-server-close',
          'backend c',
          '  option persist',
          '  no option persist',
        ].join('\n'),
      ),
    );
    const f = frontendNamed(c, 'f').options;
    assert.deepEqual(f.forwardfor, { header: 'X-Forwarded-For', ifNone: false });
    assert.deepEqual(f.originalto, { except: parseNetwork('10.0.0.0/8'), header: 'X-Dst' });
    assert.deepEqual([f.httpClose, f.httpKeepAlive, f.httpServerClose], [true, false, false]);
    const b = backendNamed(c, 'b');
    assert.deepEqual(b.options.forwardfor, { except: parseNetwork('2001:db8::/32'), header: 'X-Real', ifNone: true });
    assert.deepEqual(b.options.originalto, { header: 'X-Original-To' });
    assert.deepEqual([b.options.persist, b.options.httpServerClose, b.options.httpKeepAlive], [true, true, false]);
    assert.equal(backendNamed(c, 'c').options.persist, false);
    assert.deepEqual([b.timeouts.httpRequest, b.timeouts.httpKeepAlive], [5000, 2000]);
  });

  test('malformed networks and values are errors with HAProxy 2.6 texts', async () => {
    const cases: [string, string][] = [
      ['option forwardfor except', "'option forwardfor except' expects <address>[/mask] as argument."],
      ['option forwardfor except 10.0.0.0/33', "'option forwardfor except' expects <address>[/mask] as argument."],
      ['option forwardfor except fe80::/129', "'option forwardfor except' expects <address>[/mask] as argument."],
      ['option forwardfor header', "'option forwardfor header' expects <header_name> as argument."],
      ['option originalto except 1.2.3.4/40', "'option originalto except' expects <address>[/mask] as argument."],
      ['option originalto header', "'option originalto header' expects <header_name> as argument."],
      ['option originalto if-none', "'option originalto' only supports optional values: 'except' and 'header'."],
      ['option persist 1', "'option persist' cannot handle unexpected argument '1'."],
    ];
    for (const [line, message] of cases) {
      assert.deepEqual(await errorsOf(['backend b', `  ${line}`]), [`[t.cfg:7] : ${message}`], line);
    }
  });
});
