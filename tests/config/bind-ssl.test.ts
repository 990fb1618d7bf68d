// `bind … ssl` configuration errors side by side with `haproxy -c` (2.6.12): a missing or unreadable PEM, a key that
// does not match its certificate, no certificate at all, bad cipher/suite/curve lists, an unknown version, verify
// without a CA, all versions disabled, crt-list problems; and what both accept (an expired certificate, a crt
// directory, crt-base, global defaults). Certificates are made at test time. Test-runner thread; haproxy as a child.

import assert from 'node:assert/strict';
import { mkdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { TIMEOUTS, load, rendered } from '../support/config-load.js';
import { makeTlsCerts, type TlsCertSet } from '../support/tls-certs.js';

/** [what, global lines, bind words, haproxy's alert text (undefined: valid for both)]; @D@ is the certs' directory. */
type Case = readonly [string, string, (c: TlsCertSet) => string, string?];

const CASES: readonly Case[] = [
  ['ssl without a certificate', '', () => 'ssl', "no SSL certificate specified for bind '127.0.0.1:18443' at ["],
  ['a missing PEM', '', (c) => `ssl crt ${c.dir}/nope.pem`, 'unable to stat SSL certificate from file'],
  ['a key that does not match', '', (c) => `ssl crt ${c.mismatched}`, 'inconsistencies between private key and certificate loaded'],
  ['a PEM without a certificate', '', (c) => `ssl crt ${c.clientKey}`, 'unable to load certificate from file'],
  ['a certificate without its key', '', (c) => `ssl crt ${c.clientCert}`, `No Private Key found in '`],
  ['an expired certificate loads', '', (c) => `ssl crt ${c.expired}`],
  ['a crt directory loads every PEM in it', '', (c) => `ssl crt ${c.dir}/good`],
  ['crt-base applies to a relative crt', 'crt-base @D@', () => 'ssl crt a.pem'],
  ['a bad cipher list', '', (c) => `ssl crt ${c.rsa} ciphers BOGUS`, "unable to set SSL cipher list to 'BOGUS' for bind '127.0.0.1:18443'"],
  ['a bad TLS 1.3 suite', '', (c) => `ssl crt ${c.rsa} ciphersuites BOGUS`, "unable to set TLS 1.3 cipher suites to 'BOGUS'"],
  ['a bad curves list', '', (c) => `ssl crt ${c.rsa} curves BOGUS`, "unable to set SSL curves list to 'BOGUS'"],
  ['a bad ecdhe curve', '', (c) => `ssl crt ${c.rsa} ecdhe bogus`, "unable to set elliptic named curve to 'bogus'"],
  ['a bad global cipher list meets an ssl bind', 'ssl-default-bind-ciphers BOGUS', (c) => `ssl crt ${c.rsa}`, "unable to set SSL cipher list to 'BOGUS'"],
  ['an unknown version', '', (c) => `ssl crt ${c.rsa} ssl-min-ver TLSv9`, "'TLSv9' : unknown ssl/tls version"],
  ['verify without a CA file', '', (c) => `ssl crt ${c.rsa} verify required`, 'verify is enabled but no CA file specified'],
  ['a missing CA file', '', (c) => `ssl crt ${c.rsa} verify optional ca-file ${c.dir}/nope.pem`, "'ca-file' : unable to load"],
  ['every version disabled', '', (c) => `ssl crt ${c.rsa} no-tlsv12 no-tlsv13`, 'all SSL/TLS versions are disabled'],
  ['a global floor above the line ceiling', 'ssl-default-bind-options ssl-min-ver TLSv1.3', (c) => `ssl crt ${c.rsa} ssl-max-ver TLSv1.2`, 'all SSL/TLS versions are disabled'],
  ['a missing crt-list', '', (c) => `ssl crt-list ${c.dir}/nope.lst`, "'crt-list' : cannot open file"],
  ['an unknown crt-list option', '', (c) => `ssl crt-list ${c.dir}/bad.lst`, 'unknown ssl keyword foo'],
  ['a good crt-list', '', (c) => `ssl crt-list ${c.dir}/good.lst`],
];

test('bind … ssl: verdicts and texts of haproxy 2.6.12 -c', async (t) => {
  const certs = await makeTlsCerts(t);
  const good = join(certs.dir, 'good');
  await mkdir(good);
  for (const f of [certs.rsa, certs.ecdsa, certs.wildcard]) await copyFile(f, join(good, f.slice(f.lastIndexOf('/') + 1)));
  await writeFile(join(certs.dir, 'bad.lst'), `${certs.rsa} [foo] x.example\n`);
  await writeFile(join(certs.dir, 'good.lst'), `${certs.rsa}\n${certs.wildcard} [alpn http/1.1] *.w.example !no.w.example\n`);
  const failures: string[] = [];
  for (const [what, global, bind, alert] of CASES) {
    const text = `${global === '' ? '' : `global\n  ${global.replace('@D@', certs.dir)}\n`}defaults\n  mode http\n${TIMEOUTS}\n` +
      `frontend f\n  bind 127.0.0.1:18443 ${bind(certs)}\n  default_backend b\nbackend b\n  server s 127.0.0.1:18001\n`;
    const file = join(certs.dir, 't.cfg');
    await writeFile(file, text);
    const h = await runHaproxyCli(['-c', '-f', file]);
    const o = rendered(await load(text));
    if (alert === undefined) {
      if (h.code !== 0) failures.push(`${what}: haproxy refused it:\n${h.stderr}`);
      if (o.errors.length > 0) failures.push(`${what}: orcalb refused it:\n${o.errors.join('\n')}`);
      continue;
    }
    if (h.code !== 1 || !h.stderr.includes(alert)) failures.push(`${what}: haproxy said (${h.code}):\n${h.stderr}`);
    if (!o.errors.some((e) => e.includes(alert) && e.includes('[t.cfg:'))) failures.push(`${what}: orcalb said:\n${o.errors.join('\n')}`);
  }
  assert.deepEqual(failures, []);
});

test('the loaded bind carries its certificates, their SNI names and the settings the global defaults started', async (t) => {
  const certs = await makeTlsCerts(t);
  const text = `global\n  ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets\n  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256\n` +
    `frontend f\n  mode tcp\n  bind 127.0.0.1:18443 ssl crt ${certs.rsa} crt ${certs.wildcard} strict-sni alpn h2\n${TIMEOUTS}\n`;
  const r = await load(text);
  const tls = r.config?.frontends[0]?.binds[0]?.tls;
  assert.ok(tls !== undefined, rendered(r).errors.join('\n'));
  assert.deepEqual(tls.certs.map((c) => c.names), [['a.example', 'www.a.example'], ['*.w.example']]);
  assert.deepEqual(
    [tls.settings.minVersion, tls.settings.noTlsTickets, tls.settings.ciphersuites, tls.strictSni, tls.settings.alpn],
    ['TLSv1.3', true, 'TLS_AES_128_GCM_SHA256', true, ['h2']],
  );
});

test('an HTTP frontend never offers h2 by ALPN (orcalb speaks HTTP/1.1): dropped with a warning, an emptied list is no ALPN', async (t) => {
  const certs = await makeTlsCerts(t);
  const text = `defaults\n  mode http\n${TIMEOUTS}\nfrontend f\n  bind 127.0.0.1:18443 ssl crt ${certs.rsa} alpn h2,http/1.1\n` +
    `  bind 127.0.0.1:18444 ssl crt ${certs.rsa} alpn h2\n  default_backend b\nbackend b\n  server s 127.0.0.1:18001\n`;
  const r = await load(text);
  const binds = r.config?.frontends[0]?.binds ?? [];
  assert.deepEqual(binds.map((b) => b.tls?.settings.alpn), [['http/1.1'], undefined]);
  assert.equal(rendered(r).warnings.filter((w) => w.includes("'h2' is not offered by ALPN")).length, 2);
});
