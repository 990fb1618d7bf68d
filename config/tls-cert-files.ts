// Loading the certificates of `bind … ssl crt FILE|DIR` and of `crt-list` lines (manual §5.1 "crt"): a PEM with the
// certificate, its chain and its key (or the key in `<file>.key`), a directory of such files, and the names SNI picks
// a certificate by (subjectAltName DNS entries and the subject CN). Errors are HAProxy 2.6.12's texts. Main thread,
// config parsing (files are read once here; forwarders get the PEM text in the config).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { certificateBlocks, certificateNames, keyFits, parseCertificate, privateKeyBlock } from '../core/tls/cert-pem.js';
import type { TlsCertificate } from './model.js';

/** A loaded certificate, or HAProxy's complaint about the file. */
export type CertLoad = { readonly ok: true; readonly cert: TlsCertificate } | { readonly ok: false; readonly error: string };

/** Files of a crt directory that are not certificates (HAProxy's extra files: keys, OCSP, issuers, SCTs). */
const SKIPPED_EXTENSIONS = ['.key', '.ocsp', '.issuer', '.sctl'];

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  return code ?? String(e);
}

function readLatin1(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** One PEM file: the first certificate is the leaf, the others its chain; the key in the file or in `<file>.key`. */
export function loadCertFile(path: string): CertLoad {
  const text = readLatin1(path);
  const certs = certificateBlocks(text ?? '');
  const leaf = certs[0] === undefined ? undefined : parseCertificate(certs[0]);
  if (leaf === undefined) return { ok: false, error: `unable to load certificate from file '${path}'.` };
  let keyPem = privateKeyBlock(text ?? '');
  let keyFile = path;
  if (keyPem === undefined) {
    keyFile = `${path}.key`;
    keyPem = privateKeyBlock(readLatin1(keyFile) ?? '');
    if (keyPem === undefined) return { ok: false, error: `No Private Key found in '${keyFile}'.` };
  }
  const fits = keyFits(leaf, keyPem);
  if (fits === 'mismatch') return { ok: false, error: `inconsistencies between private key and certificate loaded '${path}'.` };
  if (fits === 'unreadable') return { ok: false, error: `unable to load SSL private key from file '${keyFile}'.` };
  return { ok: true, cert: { file: path, certPem: certs.join('\n'), keyPem, names: certificateNames(leaf) } };
}

/**
 * `crt PATH`: a file, or a directory whose files are each loaded (in name order; keys and other extra files
 * skipped). Returns every certificate or the first complaint.
 */
export function loadCrt(path: string): { readonly certs: TlsCertificate[] } | { readonly error: string } {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    return { error: `unable to stat SSL certificate from file '${path}' : ${errnoText(e)}.` };
  }
  if (!isDir) {
    const one = loadCertFile(path);
    return one.ok ? { certs: [one.cert] } : { error: one.error };
  }
  const certs: TlsCertificate[] = [];
  const names = readdirSync(path).filter((n) => !n.startsWith('.') && !SKIPPED_EXTENSIONS.some((x) => n.endsWith(x)));
  for (const name of names.sort()) {
    const file = join(path, name);
    if (!statSync(file).isFile()) continue;
    const one = loadCertFile(file);
    if (!one.ok) return { error: one.error };
    certs.push(one.cert);
  }
  return { certs };
}

/** Reads a CA or CRL file (`ca-file`, `crl-file`) as PEM text, or undefined when it cannot (HAProxy's alert names it). */
export function readPemBundle(path: string, kind: 'CERTIFICATE' | 'X509 CRL'): string | undefined {
  const text = readLatin1(path);
  if (text === undefined) return undefined;
  const blocks = text.match(new RegExp(`-----BEGIN ${kind}-----[\\s\\S]+?-----END ${kind}-----`, 'g'));
  return blocks === null ? undefined : blocks.join('\n');
}
