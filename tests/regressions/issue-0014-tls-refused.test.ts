// Issue 14: a TLS keyword orcalb does not implement is an [ALERT] and orcalb exits 1, so nothing configured for TLS
// ever runs in clear text or otherwise than configured. The first step refused every TLS keyword (each was a
// [WARNING] before and orcalb started); TLS termination has landed since (issue-0014-tls-front.test.ts), and the
// global defaults are read (tests/config/tls-global.test.ts): what stays refused is checked here, through the real
// CLI (`-c` and a start).

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runOrcalbCli } from '../support/orcalb-process.js';
import { makeTlsCerts } from '../support/tls-certs.js';

const BASE = [
  'defaults',
  '  mode http',
  '  timeout connect 1s',
  '  timeout client 1s',
  '  timeout server 1s',
  'frontend f',
  '  bind 127.0.0.1:0',
  '  default_backend b',
  'backend b',
  '  option httpchk',
];

/** Each case: where the keyword goes (global line, or words after the server's address) and the key alerted. */
const CASES: readonly { readonly global?: string; readonly server?: string; readonly key: string }[] = [
  // The global defaults (ssl-default-*, ca-base, crt-base, tune.ssl.default-dh-param …) are read now
  // (tests/config/tls-global.test.ts): they apply only to ssl binds and ssl servers, which stay refused until they work.
  { global: 'tune.ssl.keylog on', key: 'tune.ssl.keylog' },
  { global: 'ssl-engine rdrand', key: 'ssl-engine' },
  { global: 'maxsslconn 100', key: 'maxsslconn' },
  // The server side's words work now (tests/tls/), send-proxy over TLS and the v2 SSL TLVs included
  // (issue-0014-send-proxy-tls.test.ts); `npn` stays refused.
  { server: 'ssl verify none npn http/1.1', key: 'npn' },
];

function configFor(c: (typeof CASES)[number]): string {
  const global = c.global === undefined ? [] : ['global', `  ${c.global}`];
  return [...global, ...BASE, `  server s 127.0.0.1:1 ${c.server ?? 'check'}`, ''].join('\n');
}

/** TLS termination landed; what it does not do stays refused: [bind words (@PEM@ is a certificate), key alerted]. */
const BIND_CASES: readonly (readonly [string, string])[] = [
  // node:tls reports the last verify error only, without its depth: only both lists at `all` are honoured.
  ['ssl crt @PEM@ ca-file @PEM@ verify required ca-ignore-err all', 'ca-ignore-err alone'],
  ['ssl crt @PEM@ ca-file @PEM@ verify optional crt-ignore-err 10 ca-ignore-err all', 'crt-ignore-err 10'],
  ['ssl crt @PEM@ tls-ticket-keys /etc/keys', 'tls-ticket-keys'],
];

describe('issue 14: the TLS bind words orcalb does not do stay refused', () => {
  for (const [words, key] of BIND_CASES) {
    test(`${key} is an [ALERT], -c exits 1`, async (t) => {
      const certs = await makeTlsCerts(t);
      const text = ['defaults', '  mode http', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', 'frontend f',
        `  bind 127.0.0.1:18452 ${words.replaceAll('@PEM@', certs.rsa)}`, '  default_backend b', 'backend b', '  server s 127.0.0.1:1', ''].join('\n');
      await writeFile(join(certs.dir, 't.cfg'), text);
      const check = await runOrcalbCli(['-c', '-f', join(certs.dir, 't.cfg')]);
      assert.equal(check.code, 1, check.stderr);
      assert.match(check.stderr, new RegExp(`\\[ALERT\\].*orcalb does not implement '(bind \\.\\.\\. )?${key}' yet; refusing to start`));
    });
  }
  test('a stats page on an ssl bind is refused (the stats thread has no TLS)', async (t) => {
    const certs = await makeTlsCerts(t);
    const text = `defaults\n  mode http\n  timeout client 1s\nlisten st\n  bind 127.0.0.1:18452 ssl crt ${certs.rsa}\n  stats enable\n  stats uri /\n`;
    await writeFile(join(certs.dir, 't.cfg'), text);
    const check = await runOrcalbCli(['-c', '-f', join(certs.dir, 't.cfg')]);
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stderr, /orcalb does not implement 'ssl in a stats-only proxy' yet/);
  });
});

describe('issue 14: the other TLS keywords (servers, checks, global tuning) stay refused', () => {
  for (const c of CASES) {
    test(`${c.key} is an [ALERT], -c and a start exit 1`, async (t) => {
      const dir = await mkdtemp(join(tmpdir(), 'orcalb-tls-refused-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 't.cfg');
      await writeFile(file, configFor(c));
      const check = await runOrcalbCli(['-c', '-f', file]);
      assert.equal(check.code, 1, check.stderr);
      assert.match(check.stderr, new RegExp(`\\[ALERT\\].*orcalb does not implement '${c.key.replace(/\./g, '\\.')}' yet; refusing to start`));
      assert.doesNotMatch(check.stderr, /\[WARNING\].*is not implemented yet/);
      const start = await runOrcalbCli(['-f', file]);
      assert.equal(start.code, 1, start.stderr);
    });
  }
});
