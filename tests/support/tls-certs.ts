// Test certificates made at test time with the `openssl` CLI into a temp directory removed after the test: a CA, an
// RSA 2048 leaf (a.example, SAN www.a.example), an ECDSA P-256 leaf (b.example), a wildcard (*.w.example), an expired
// leaf, a client certificate signed by the CA, and a second CA with a client of its own (the wrong CA). Each server
// certificate is a bundle PEM (leaf + key) as `bind … crt` takes it. Test-runner thread; openssl as child processes.
// Certificates made to order (the server-side TLS tests) come from tests/support/tls-cert-issuer.ts.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsCerts {
  readonly dir: string;
  /** The CA certificate (PEM) every leaf here but otherClient is signed by. */
  readonly ca: string;
  /** RSA 2048, CN a.example, SAN DNS a.example and www.a.example. */
  readonly rsa: string;
  /** ECDSA P-256, CN b.example. */
  readonly ecdsa: string;
  /** ECDSA P-256, CN *.w.example. */
  readonly wildcard: string;
  /** CN old.example, valid for no time at all (expired once made). */
  readonly expired: string;
  /** Client certificate CN client-1 (bundle) and its parts for curl/s_client: -cert / -key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client signed by another CA, which the bind's ca-file does not vouch for. */
  readonly otherClientCert: string;
  readonly otherClientKey: string;
  /** A PEM whose key belongs to another certificate. */
  readonly mismatched: string;
}

async function openssl(args: readonly string[]): Promise<void> {
  await run('openssl', args, { timeout: 20_000 });
}

/** Key for `name` in `dir`: RSA 2048 or EC P-256. */
async function key(dir: string, name: string, kind: 'rsa' | 'ec'): Promise<string> {
  const path = join(dir, `${name}.key`);
  const alg = kind === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await openssl(['genpkey', ...alg, '-out', path]);
  return path;
}

/** A leaf signed by `ca`: returns the certificate's path; `days` 0 makes it expire at once. */
async function leaf(dir: string, name: string, cn: string, keyPath: string, ca: { crt: string; key: string }, opts: { san?: string; days?: number; client?: boolean } = {}): Promise<string> {
  const csr = join(dir, `${name}.csr`);
  const crt = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${cn}`, '-out', csr]);
  const lines = [opts.san === undefined ? '' : `subjectAltName=${opts.san}`, opts.client === true ? 'extendedKeyUsage=clientAuth' : 'extendedKeyUsage=serverAuth'];
  await writeFile(ext, lines.filter((l) => l !== '').join('\n') + '\n');
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.crt, '-CAkey', ca.key, '-CAcreateserial', '-out', crt, '-days', String(opts.days ?? 30), '-extfile', ext]);
  return crt;
}

async function bundle(dir: string, name: string, crt: string, keyPath: string): Promise<string> {
  const path = join(dir, `${name}.pem`);
  await writeFile(path, (await readFile(crt, 'utf8')) + (await readFile(keyPath, 'utf8')));
  return path;
}

async function makeCa(dir: string, name: string): Promise<{ crt: string; key: string }> {
  const k = await key(dir, name, 'ec');
  const crt = join(dir, `${name}.crt`);
  await openssl(['req', '-x509', '-new', '-key', k, '-subj', `/CN=${name}`, '-days', '30', '-out', crt]);
  return { crt, key: k };
}

/** Makes the whole set into a fresh temp directory (removed after `t`); about a second of openssl work. */
export async function makeTlsCerts(t: TestContext): Promise<TlsCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const work = join(dir, 'work');
  await run('mkdir', ['-p', work]);
  const ca = await makeCa(work, 'test-ca');
  const other = await makeCa(work, 'other-ca');
  const rsaKey = await key(work, 'a', 'rsa');
  const ecKey = await key(work, 'b', 'ec');
  const wKey = await key(work, 'w', 'ec');
  const oldKey = await key(work, 'old', 'ec');
  const cKey = await key(work, 'client', 'ec');
  const oKey = await key(work, 'other-client', 'ec');
  const a = await leaf(work, 'a', 'a.example', rsaKey, ca, { san: 'DNS:a.example,DNS:www.a.example' });
  const b = await leaf(work, 'b', 'b.example', ecKey, ca);
  const w = await leaf(work, 'w', '*.w.example', wKey, ca);
  const old = await leaf(work, 'old', 'old.example', oldKey, ca, { days: 0 });
  const c = await leaf(work, 'client', 'client-1', cKey, ca, { client: true });
  const o = await leaf(work, 'other-client', 'intruder', oKey, other, { client: true });
  const mismatched = join(dir, 'mismatched.pem');
  await writeFile(mismatched, (await readFile(a, 'utf8')) + (await readFile(ecKey, 'utf8')));
  const caPem = join(dir, 'ca.pem');
  await writeFile(caPem, await readFile(ca.crt, 'utf8'));
  return {
    dir,
    ca: caPem,
    rsa: await bundle(dir, 'a', a, rsaKey),
    ecdsa: await bundle(dir, 'b', b, ecKey),
    wildcard: await bundle(dir, 'w', w, wKey),
    expired: await bundle(dir, 'old', old, oldKey),
    clientCert: c,
    clientKey: cKey,
    otherClientCert: o,
    otherClientKey: oKey,
    mismatched,
  };
}
