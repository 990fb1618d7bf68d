// The global section's TLS words (config/keywords/tls-global.ts) side by side with `haproxy -c` (2.6.12): each bad
// line gets haproxy's [ALERT] text at its [file:line], each good one is accepted by both and lands in
// GlobalConfig.tls as the drafts bind and server lines start from. Test-runner thread; haproxy as a child process.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { finishTlsSettings, newTlsDraft } from '../../config/keywords/tls-options.js';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { TIMEOUTS, load, rendered, tempConfigDir, validConfig } from '../support/config-load.js';

const TAIL = `listen l\n  bind 127.0.0.1:18000\n${TIMEOUTS}\n  server s 127.0.0.1:18001\n`;

/** [global lines, haproxy's alert after `parsing [t.cfg:N] : ` (undefined: valid for both)]. */
const CASES: readonly (readonly [string, string?])[] = [
  ['ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets prefer-client-ciphers'],
  ['ssl-default-bind-options foo', "unknown option 'foo' on global statement 'ssl-default-bind-options'."],
  ['ssl-default-bind-options ssl-min-ver TLSv1.4', "'TLSv1.4' : unknown ssl/tls version on global statement 'ssl-default-bind-options'."],
  ['ssl-default-bind-options ssl-min-ver', "'ssl-min-ver' : missing the ssl/tls version on global statement 'ssl-default-bind-options'."],
  ['ssl-default-bind-options ciphers X', "unknown option 'ciphers' on global statement 'ssl-default-bind-options'."],
  ['ssl-default-bind-options verify required', "unknown option 'verify' on global statement 'ssl-default-bind-options'."],
  ['ssl-default-bind-options', "global statement 'ssl-default-bind-options' expects an option as an argument."],
  ['ssl-default-bind-options no-tlsv12 no-tlsv13'],
  ['ssl-default-server-options no-tls-tickets force-tlsv12'],
  ['ssl-default-server-options tls-tickets', "unknown option 'tls-tickets' on global statement 'ssl-default-server-options'."],
  ['ssl-default-server-options prefer-client-ciphers', "unknown option 'prefer-client-ciphers' on global statement 'ssl-default-server-options'."],
  ['ssl-default-bind-ciphers', "global statement 'ssl-default-bind-ciphers' expects a cipher suite as an argument."],
  ['ssl-default-bind-ciphers A B', "'ssl-default-bind-ciphers' cannot handle unexpected argument 'B'."],
  ['ssl-default-server-ciphersuites', "global statement 'ssl-default-server-ciphersuites' expects a cipher suite as an argument."],
  ['ssl-default-bind-curves', "global statement 'ssl-default-bind-curves' expects a curves suite as an arguments."],
  ['ssl-default-bind-curves X25519:P-256'],
  ['ssl-server-verify maybe', "'ssl-server-verify' expects 'none' or 'required' as argument."],
  ['ssl-server-verify none x', "'ssl-server-verify' cannot handle unexpected argument 'x'."],
  ['ssl-server-verify none'],
  ['ca-base /a /b', "'ca-base' cannot handle unexpected argument '/b'."],
  ['ca-base /a\n  ca-base /b', "'ca-base' already specified."],
  ['crt-base', "global statement 'crt-base' expects a directory path as an argument."],
  ['tune.ssl.default-dh-param 1000', "'tune.ssl.default-dh-param' expects a value >= 1024."],
  ['tune.ssl.default-dh-param x', "'tune.ssl.default-dh-param' expects a value >= 1024."],
  ['tune.ssl.default-dh-param', "'tune.ssl.default-dh-param' expects an integer argument."],
  ['tune.ssl.default-dh-param 4096'],
  ['ssl-dh-param-file /nonexistent/dh.pem', "'ssl-dh-param-file': unable to load DH parameters from file </nonexistent/dh.pem>."],
  ['ssl-dh-param-file', "'ssl-dh-param-file' expects a file path as an argument."],
  ['tune.ssl.lifetime 5x', "unexpected character 'x' in argument to <tune.ssl.lifetime>."],
  ['tune.ssl.lifetime', "'tune.ssl.lifetime' expects ssl sessions <lifetime> in seconds as argument."],
  ['tune.ssl.lifetime 3000000000', "timer overflow in argument '3000000000' to <tune.ssl.lifetime> (maximum value is 2147483647 s or ~68 years)."],
  ['tune.ssl.lifetime 2147483647'],
  ['tune.ssl.cachesize -1', "'tune.ssl.cachesize' expects a positive numeric value."],
  ['tune.ssl.cachesize abc'],
  ['tune.ssl.cachesize', "'tune.ssl.cachesize' expects an integer argument."],
];

describe('global TLS words: the verdict and the text of haproxy 2.6.12 -c', () => {
  for (const [lines, alert] of CASES) {
    test(`global ${lines.replace(/\n\s*/g, ' / ')}`, async (t) => {
      const dir = await tempConfigDir(t, {});
      const text = `global\n  ${lines}\n${TAIL}`;
      await writeFile(join(dir, 't.cfg'), text);
      const h = await runHaproxyCli(['-c', '-f', join(dir, 't.cfg')]);
      const o = rendered(await load(text));
      if (alert === undefined) {
        assert.equal(h.code, 0, h.stderr);
        assert.deepEqual(o.errors, []);
        return;
      }
      assert.equal(h.code, 1, h.stderr);
      assert.ok(h.stderr.includes(alert), `haproxy said:\n${h.stderr}`);
      const line = lines.split('\n').length + 1;
      assert.ok(o.errors.some((e) => e.includes(`[t.cfg:${line}]`) && e.includes(alert)), `orcalb said:\n${o.errors.join('\n')}`);
    });
  }
});

test('the global words land in GlobalConfig.tls: drafts a bind or server line starts from, and the tune values', async () => {
  const c = validConfig(
    await load(
      'global\n  ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets\n  ssl-default-bind-ciphers ECDHE+AESGCM\n' +
        '  ssl-default-bind-ciphersuites TLS_AES_256_GCM_SHA384\n  ssl-default-bind-curves P-256\n' +
        '  ssl-default-server-options force-tlsv12\n  ssl-default-server-ciphers HIGH\n  ssl-server-verify none\n' +
        '  ca-base /etc/ca\n  crt-base /etc/crt\n  tune.ssl.default-dh-param 4096\n  tune.ssl.lifetime 10m\n  tune.ssl.cachesize 0\n' +
        TAIL,
    ),
  );
  const tls = c.global.tls;
  assert.ok(tls !== undefined);
  const bind = finishTlsSettings(newTlsDraft(tls.bindDefaults)).settings;
  assert.deepEqual(
    [bind?.minVersion, bind?.maxVersion, bind?.noTlsTickets, bind?.ciphers, bind?.ciphersuites, bind?.curves],
    ['TLSv1.3', 'TLSv1.3', true, 'ECDHE+AESGCM', 'TLS_AES_256_GCM_SHA384', 'P-256'],
  );
  const server = finishTlsSettings(newTlsDraft(tls.serverDefaults)).settings;
  assert.deepEqual([server?.minVersion, server?.maxVersion, server?.ciphers], ['TLSv1.2', 'TLSv1.2', 'HIGH']);
  assert.deepEqual(
    [tls.serverVerify, tls.caBase, tls.crtBase, tls.defaultDhParam, tls.lifetimeS, tls.cachesize],
    ['none', '/etc/ca', '/etc/crt', 4096, 600, 0],
  );
});

test('ssl-dh-param-file reads the DH PARAMETERS block at parse time', async (t) => {
  const pem = '-----BEGIN DH PARAMETERS-----\nMIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n-----END DH PARAMETERS-----\n';
  const dir = await tempConfigDir(t, { 'dh.pem': `junk before\n${pem}` });
  const c = validConfig(await load(`global\n  ssl-dh-param-file ${join(dir, 'dh.pem')}\n${TAIL}`));
  assert.equal(c.global.tls?.dhParamPem, pem.trimEnd());
});
