// Every error kind, with file:line and HAProxy 2.6's exact wording; all errors of a run are collected; the
// "did you mean" suggestions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { algorithmNames } from '../../core/balance/registry.js';
import { TIMEOUTS, load, rendered } from '../support/config-load.js';

/** Loads `text` and returns its rendered errors (asserting that the config was refused). */
async function errorsOf(text: string): Promise<string[]> {
  const r = await load(text, 'x.cfg');
  assert.equal(r.config, undefined, 'config should be refused');
  return rendered(r).errors;
}

describe('unknown keywords', () => {
  test('suggest the closest known keyword in HAProxy wording', async () => {
    assert.deepEqual(
      await errorsOf(['backend b', '  balanse roundrobin', '  sever s1 127.0.0.1:80', '  server s2 127.0.0.1:80 chek'].join('\n')),
      [
        "[x.cfg:2] : unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?",
        "[x.cfg:3] : unknown keyword 'sever' in 'backend' section; did you mean 'server' maybe ?",
        "[x.cfg:4] : 'server b/s2' : unknown keyword 'chek'; did you mean 'check' maybe ?",
      ],
    );
  });

  test('no suggestion when nothing is close', async () => {
    assert.deepEqual(await errorsOf('frontend f\n  fooo\n  bind :1 xyzzyplugh'), [
      "[x.cfg:2] : unknown keyword 'fooo' in 'frontend' section",
      "[x.cfg:3] : 'bind :1' in section 'frontend': unknown keyword 'xyzzyplugh'",
    ]);
  });

  test('global, option, bind-option and out-of-section unknowns', async () => {
    assert.deepEqual(
      await errorsOf(['mode tcp', 'global', '  deamon', 'defaults', '  option redispatc', 'frontend f', '  bind :80 accept-proxi'].join('\n')),
      [
        "[x.cfg:1] : unknown keyword 'mode' out of section.",
        "[x.cfg:3] : unknown keyword 'deamon' in 'global' section; did you mean 'daemon' maybe ?",
        "[x.cfg:5] : unknown option 'redispatc'; did you mean 'redispatch' maybe ?",
        "[x.cfg:7] : 'bind :80' in section 'frontend': unknown keyword 'accept-proxi'; did you mean 'accept-proxy' maybe ?",
      ],
    );
  });

  test('the error object carries code, keyword-free location and what was found', async () => {
    const r = await load('backend b\n  balanse roundrobin', 'x.cfg');
    const e = r.errors[0];
    assert.ok(e !== undefined);
    assert.deepEqual([e.code, e.file, e.line, e.found, e.keyword], ['ORCA_CONFIG_UNKNOWN_KEYWORD', 'x.cfg', 2, 'balanse', undefined]);
  });
});

describe('bad values', () => {
  test('time values: unexpected character, overflow, missing, extra argument', async () => {
    assert.deepEqual(
      await errorsOf(
        ['defaults', '  timeout connect 5x', '  timeout client 30d', '  timeout server', '  timeout queue 5 s', '  timeout conect 5s'].join('\n'),
      ),
      [
        "[x.cfg:2] : unexpected character 'x' in 'timeout connect'",
        "[x.cfg:3] : timer overflow in argument '30d' to 'timeout client' (maximum value is 2147483647 ms or ~24.8 days)",
        "[x.cfg:4] : 'timeout server' expects an integer value (in milliseconds)",
        "[x.cfg:5] : 'timeout queue' : unexpected extra argument 's' after value '5'.",
        "[x.cfg:6] : 'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', " +
          "'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'conect')",
      ],
    );
  });

  test('server values: inter, port, weight, rise, fall', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'backend b',
          '  server s1 127.0.0.1:80 check inter 5x',
          '  server s2 127.0.0.1:80 check inter',
          '  server s3 127.0.0.1:99999',
          '  server s4 127.0.0.1:80 weight 300',
          '  server s5 127.0.0.1:80 rise 0',
          '  server s6 127.0.0.1:80 fall 0',
          '  server s7 127.0.0.1:80 inter 0',
          '  server s8',
          '  server s9 127.0.0.1:80-90',
        ].join('\n'),
      ),
      [
        "[x.cfg:2] : 'server b/s1' : unexpected character 'x' in 'inter' argument of server s1.",
        "[x.cfg:3] : 'server b/s2' : 'inter' expects a delay as argument.",
        "[x.cfg:4] : 'server b/s3' : invalid port '99999'",
        "[x.cfg:5] : 'server b/s4' : weight of server s4 is not within 0 and 256 (300).",
        "[x.cfg:6] : 'server b/s5' : 'rise' has to be > 0.",
        "[x.cfg:7] : 'server b/s6' : 'fall' has to be > 0.",
        "[x.cfg:8] : 'server b/s7' : invalid value 0 for argument 'inter' of server s7.",
        "[x.cfg:9] : 'server' expects <name> and <addr>[:<port>] as arguments.",
        "[x.cfg:10] : 'server b/s9' : port range not permitted here in '127.0.0.1:80-90'",
      ],
    );
  });

  test('bind values: port out of range, missing port, bad range, no address', async () => {
    assert.deepEqual(
      await errorsOf(['frontend f', '  bind :99999', '  bind 1.2.3.4', '  bind :80-70', '  bind', '  bind :0'].join('\n')),
      [
        "[x.cfg:2] : 'bind' : invalid port '99999'",
        "[x.cfg:3] : 'bind' : missing port specification in '1.2.3.4'",
        "[x.cfg:4] : 'bind' : invalid port range '80-70'",
        "[x.cfg:5] : 'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.",
        "[x.cfg:6] : 'bind' : invalid port '0'",
      ],
    );
  });

  test('global values: nbthread range, hard-stop-after, log facility, daemon argument', async () => {
    assert.deepEqual(
      await errorsOf(
        ['global', '  nbthread 0', '  hard-stop-after 5x', '  log 127.0.0.1 local9', '  log', '  daemon 1', '  maxconn abc'].join('\n'),
      ),
      [
        "[x.cfg:2] : 'nbthread' value must be between 1 and 64 (was 0)",
        "[x.cfg:3] : unexpected character 'x' in argument to <hard-stop-after>.",
        "[x.cfg:4] : log : unknown log facility 'local9'",
        '[x.cfg:5] : log : expects <address> and <facility>  as arguments',
        "[x.cfg:6] : 'daemon' cannot handle unexpected argument '1'.",
        "[x.cfg:7] : 'maxconn' expects an integer argument.",
      ],
    );
  });

  test('log addresses: bad port, unknown prefix, unresolvable name', async () => {
    const r = await load(
      ['global', '  log 127.0.0.1:99999 local0', '  log abc@x local0', '  log nosuch.invalid local0', '  log stdout local0', '  log /dev/log local0'].join('\n'),
      'x.cfg',
      { lookup: () => Promise.reject(new Error('ENOTFOUND')) },
    );
    assert.deepEqual(rendered(r).errors, [
      "[x.cfg:2] : log : invalid port '99999'",
      "[x.cfg:3] : log : invalid address: 'abc@x' in 'abc@x'",
      "[x.cfg:4] : log : invalid address: 'nosuch.invalid' in 'nosuch.invalid'",
    ]);
  });

  test('stats lines missing their argument', async () => {
    assert.deepEqual(
      await errorsOf(['listen l', '  bind :1', '  stats uri', '  stats auth', '  stats admin TRUE', '  stats refresh 5x', '  stats bogus'].join('\n')),
      [
        "[x.cfg:3] : 'uri' needs an URI prefix.",
        "[x.cfg:4] : 'auth' needs a user:password account.",
        "[x.cfg:5] : 'stats admin' requires either 'if' or 'unless' followed by a condition.",
        "[x.cfg:6] : unexpected character 'x' in argument to stats refresh interval.",
        "[x.cfg:7] : 'stats' expects one of 'admin', 'auth', 'enable', 'hide-version', 'http-request', 'realm', " +
          "'refresh', 'scope', 'show-desc', 'show-legends', 'show-modules', 'show-node', 'uri'",
      ],
    );
  });

  test('option forwardfor arguments', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'backend b',
          '  mode http',
          '  option forwardfor except 127.0.0.0/',
          '  option forwardfor except 10.0.0.0/33',
          '  option forwardfor header',
          '  option forwardfor bogus',
          '  option forwardfor except 127.0.0.0/255.0.0.0 header X-Client if-none',
        ].join('\n'),
      ),
      [
        "[x.cfg:3] : 'option forwardfor except' expects <address>[/mask] as argument.",
        "[x.cfg:4] : 'option forwardfor except' expects <address>[/mask] as argument.",
        "[x.cfg:5] : 'option forwardfor header' expects <header_name> as argument.",
        "[x.cfg:6] : 'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.",
      ],
    );
  });

  test('conditions naming an ACL that is neither pre-defined nor declared', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'frontend f',
          '  bind :1',
          '  acl mine src 10.0.0.1',
          '  use_backend b if mine !LOCALHOST || { src 10.0.0.2 }',
          '  use_backend b if NOPE',
          '  stats admin if TRUE',
          '  stats admin unless TRU',
          'backend b',
        ].join('\n'),
      ),
      [
        // An acl line is judged by the rules that use it; the unknown names are reported.
        "[x.cfg:5] : error detected while parsing switching rule : no such ACL : 'NOPE'.",
        "[x.cfg:7] : error detected while parsing a 'stats admin' rule : no such ACL : 'TRU'.",
      ],
    );
  });

  test('mode, balance, hash-type and option values', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'defaults',
          '  mode foo',
          '  balance roundrobbin',
          '  balance random(0)',
          '  hash-type foo',
          '  hash-type consistent md5',
          '  hash-type consistent sdbm bar',
          '  no option tcplog',
        ].join('\n'),
      ),
      [
        "[x.cfg:2] : unknown proxy mode 'foo'.",
        `[x.cfg:3] : 'balance' : unknown algorithm 'roundrobbin' (expected one of ${algorithmNames().join(', ')})`,
        '[x.cfg:4] : balance random : number of draws must be at least 1.',
        "[x.cfg:5] : 'hash-type' only supports 'consistent' and 'map-based'.",
        "[x.cfg:6] : 'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.",
        "[x.cfg:7] : 'hash-type' only supports 'avalanche' as a modifier for hash functions.",
        "[x.cfg:8] : negation/default is not supported for option 'tcplog'.",
      ],
    );
  });

  test('tcp-check errors: bad hex, unknown action, connect not first', async () => {
    assert.deepEqual(
      await errorsOf(
        ['backend b', '  tcp-check send-binary zz', '  tcp-check bar', '  tcp-check send x', '  tcp-check connect port 99'].join('\n'),
      ),
      [
        "[x.cfg:2] : 'tcp-check send-binary' : 'zz' invalid binary string (an hex digit is expected (found 'z')).",
        "[x.cfg:3] : 'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', " +
          "'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got 'bar'",
        "[x.cfg:5] : 'tcp-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', " +
          "an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset.",
      ],
    );
  });

  test('tokenizer errors carry their column', async () => {
    const r = await load('defaults\n  mode "tcp', 'x.cfg');
    assert.deepEqual(rendered(r).errors, ['[x.cfg:2] : unmatched quote at position 8']);
    assert.equal(r.errors[0]?.column, 8);
    assert.equal(r.errors[0]?.code, 'ORCA_CONFIG_SYNTAX');
  });
});

describe('placement and references', () => {
  test('keywords not allowed in defaults, in anonymous defaults, or without backend capability', async () => {
    assert.deepEqual(
      await errorsOf(['defaults', '  bind :80', '  http-request deny', 'frontend f', '  bind :1', '  server s 127.0.0.1:80'].join('\n')),
      [
        "[x.cfg:2] : 'bind' not allowed in 'defaults' section.",
        "[x.cfg:3] : 'http-request' not allowed in anonymous 'defaults' section.",
        "[x.cfg:6] : 'server' not allowed because frontend 'f' has no backend capability.",
      ],
    );
  });

  test('unknown default_backend and use_backend names', async () => {
    assert.deepEqual(await errorsOf(`frontend f\n  bind :1\n  mode http\n  use_backend nope2 if TRUE\n  default_backend nope\n${TIMEOUTS}`), [
      "[x.cfg:5] : Proxy 'f': unable to find required default_backend: 'nope'.",
      "[x.cfg:4] : Proxy 'f': unable to find required use_backend: 'nope2'.",
    ]);
  });

  test('duplicate proxy names with overlapping capabilities, and duplicate server names', async () => {
    assert.deepEqual(
      await errorsOf(
        ['backend b', '  server s 127.0.0.1:80', '  server s 127.0.0.1:81', 'backend b', 'frontend b', '  bind :1', 'listen b', '  bind :2'].join(
          '\n',
        ),
      ),
      [
        "[x.cfg:3] : backend 'b', another server named 's' was already defined at line 2, please use distinct names.",
        "[x.cfg:4] : backend 'b' has the same name as backend 'b' declared at x.cfg:1.",
        "[x.cfg:7] : proxy 'b' has the same name as backend 'b' declared at x.cfg:1.",
      ],
    );
  });

  test('an http frontend cannot use a tcp backend', async () => {
    const errors = await errorsOf(`frontend f\n  mode http\n  bind :1\n  default_backend b\nbackend b\n  mode tcp\n${TIMEOUTS}`);
    assert.deepEqual(errors, [
      "[x.cfg:4] : http frontend 'f' (x.cfg:1) tries to use incompatible tcp backend 'b' (x.cfg:5) as its default backend (see 'mode').",
    ]);
  });

  test('bad proxy names', async () => {
    assert.deepEqual(await errorsOf('listen a/b\n  bind :1\nbackend'), [
      "[x.cfg:1] : character '/' is not permitted in 'listen' name 'a/b'.",
      "[x.cfg:3] : 'backend' expects <name> as an argument.",
    ]);
  });

  test('unknown user and group', async () => {
    const r = await load('global\n  user no-such-user-orcalb\n  group no-such-group-orcalb', 'x.cfg');
    assert.deepEqual(rendered(r).errors, [
      "[x.cfg:2] : cannot find user id for 'no-such-user-orcalb'",
      "[x.cfg:3] : cannot find group id for 'no-such-group-orcalb'",
    ]);
    assert.deepEqual(r.errors.map((e) => e.code), ['ORCA_CONFIG_USER', 'ORCA_CONFIG_USER']);
  });
});

describe('collection', () => {
  test('three bad lines give three errors in one run, in line order', async () => {
    const errors = await errorsOf(
      ['backend b', '  retries x', '  server s1 127.0.0.1:80', '  balance nope', '  server s2 127.0.0.1:80 weight 999'].join('\n'),
    );
    assert.equal(errors.length, 3);
    assert.deepEqual(
      errors.map((e) => e.slice(0, e.indexOf(']') + 1)),
      ['[x.cfg:2]', '[x.cfg:4]', '[x.cfg:5]'],
    );
  });

  test('an error anywhere means no config, even with valid sections around it', async () => {
    const r = await load(`frontend f\n  bind :1\n  default_backend b\nbackend b\n  server s 127.0.0.1:80 wieght 3\n${TIMEOUTS}`);
    assert.equal(r.config, undefined);
    assert.deepEqual(rendered(r).errors, ["[t.cfg:5] : 'server b/s' : unknown keyword 'wieght'; did you mean 'weight' maybe ?"]);
  });
});
