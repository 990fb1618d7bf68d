// Test certificates, the one maker for every TLS test: made at test time with the `openssl` command into a temporary
// directory. TlsCerts issues to order (a CA, server certificates for names and wildcards, client certificates, an
// expired certificate; RSA 2048 or ECDSA P-256); makeTlsCerts(t) issues the fixed set the termination tests share. Each
// PEM file holds what HAProxy's `crt` wants (certificate then key); `.crt`/`.key` files hold the parts. Test-runner
// thread; openssl as child processes.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export type KeyAlg = 'rsa' | 'ec';

/** A certificate and its key on disk. */
export interface CertFiles {
  /** Certificate (PEM), key (PEM), and both concatenated (HAProxy's `crt` file). */
  readonly cert: string;
  readonly key: string;
  readonly pem: string;
  /** Their texts, for node:tls servers. */
  readonly certText: string;
  readonly keyText: string;
}

export interface CertOptions {
  readonly alg?: KeyAlg;
  /** Subject alternative names (DNS); the first is also the CN. */
  readonly names?: readonly string[];
  /** Valid only in 2020: expired now. */
  readonly expired?: boolean;
  /** A client certificate (extendedKeyUsage clientAuth) instead of a server one. */
  readonly client?: boolean;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function keyArgs(alg: KeyAlg): string[] {
  return alg === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
}

function files(dir: string, base: string): CertFiles {
  const cert = join(dir, `${base}.crt`);
  const key = join(dir, `${base}.key`);
  const pem = join(dir, `${base}.pem`);
  const certText = readFileSync(cert, 'utf8');
  const keyText = readFileSync(key, 'utf8');
  writeFileSync(pem, certText + keyText);
  return { cert, key, pem, certText, keyText };
}

/** A directory of test certificates, removed by cleanup(). */
export class TlsCerts {
  readonly dir: string;
  private serial = 1;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'orcalb-tls-'));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A self-signed CA. */
  ca(base = 'ca', alg: KeyAlg = 'rsa'): CertFiles {
    openssl(['req', '-x509', ...keyArgs(alg), '-nodes', '-keyout', `${base}.key`, '-out', `${base}.crt`, '-days', '30',
      '-subj', `/CN=orcalb test ${base}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], this.dir);
    return files(this.dir, base);
  }

  /** A certificate signed by `ca` for `options.names` (default: localhost). */
  issue(ca: CertFiles, base: string, options: CertOptions = {}): CertFiles {
    const names = options.names ?? ['localhost'];
    const alg = options.alg ?? 'rsa';
    openssl(['req', '-new', ...keyArgs(alg), '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0] ?? 'x'}`], this.dir);
    const ext = join(this.dir, `${base}.ext`);
    const san = names.map((n) => `DNS:${n}`).join(',');
    writeFileSync(ext, [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${options.client === true ? 'clientAuth' : 'serverAuth'}`,
      ...(san === '' ? [] : [`subjectAltName=${san}`]),
      '',
    ].join('\n'));
    if (options.expired === true) this.signExpired(ca, base, ext);
    else {
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(this.serial++),
        '-days', '30', '-extfile', ext, '-out', `${base}.crt`], this.dir);
    }
    return files(this.dir, base);
  }

  /** `openssl ca` is the one that takes fixed dates (valid in January 2020 only). */
  private signExpired(ca: CertFiles, base: string, ext: string): void {
    const db = join(this.dir, `${base}.db`);
    writeFileSync(db, '');
    const conf = join(this.dir, `${base}.cnf`);
    writeFileSync(conf, [
      '[ca]', 'default_ca=test', '[test]', `database=${db}`, `new_certs_dir=${this.dir}`, `certificate=${ca.cert}`,
      `private_key=${ca.key}`, `serial=${join(this.dir, `${base}.srl`)}`, 'default_md=sha256', 'policy=any', 'unique_subject=no', 'copy_extensions=none',
      '[any]', 'commonName=supplied', '',
    ].join('\n'));
    writeFileSync(join(this.dir, `${base}.srl`), '1000\n');
    openssl(['ca', '-batch', '-config', conf, '-in', `${base}.csr`, '-out', `${base}.crt`, '-notext', '-extfile', ext,
      '-startdate', '20200101000000Z', '-enddate', '20200102000000Z'], this.dir);
  }
}

/** The fixed set of the termination tests (makeTlsCerts). */
export interface TlsCertSet {
  readonly dir: string;
  /** The CA certificate (PEM file) every leaf here but otherClient is signed by. */
  readonly ca: string;
  /** RSA 2048, CN a.example, SAN DNS a.example and www.a.example. */
  readonly rsa: string;
  /** ECDSA P-256, CN b.example. */
  readonly ecdsa: string;
  /** ECDSA P-256, CN *.w.example. */
  readonly wildcard: string;
  /** CN old.example, expired. */
  readonly expired: string;
  /** Client certificate CN client-1 and its key, for curl/s_client: -cert / -key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client signed by another CA, which the bind's ca-file does not vouch for. */
  readonly otherClientCert: string;
  readonly otherClientKey: string;
  /** A PEM whose key belongs to another certificate. */
  readonly mismatched: string;
}

/** Issues the fixed set into a fresh directory removed after `t`; about a second of openssl work. */
export async function makeTlsCerts(t: TestContext): Promise<TlsCertSet> {
  const certs = new TlsCerts();
  t.after(() => certs.cleanup());
  const ca = certs.ca('test-ca', 'ec');
  const other = certs.ca('other-ca', 'ec');
  const rsa = certs.issue(ca, 'a', { names: ['a.example', 'www.a.example'] });
  const ecdsa = certs.issue(ca, 'b', { names: ['b.example'], alg: 'ec' });
  const wildcard = certs.issue(ca, 'w', { names: ['*.w.example'], alg: 'ec' });
  const expired = certs.issue(ca, 'old', { names: ['old.example'], alg: 'ec', expired: true });
  const client = certs.issue(ca, 'client', { names: ['client-1'], alg: 'ec', client: true });
  const intruder = certs.issue(other, 'other-client', { names: ['intruder'], alg: 'ec', client: true });
  const mismatched = join(certs.dir, 'mismatched.pem');
  writeFileSync(mismatched, rsa.certText + ecdsa.keyText);
  return {
    dir: certs.dir,
    ca: ca.cert,
    rsa: rsa.pem,
    ecdsa: ecdsa.pem,
    wildcard: wildcard.pem,
    expired: expired.pem,
    clientCert: client.cert,
    clientKey: client.key,
    otherClientCert: intruder.cert,
    otherClientKey: intruder.key,
    mismatched,
  };
}
