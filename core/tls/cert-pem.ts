// The blocks of a certificate PEM (manual §5.1 "crt": the certificate, its chain and its key in one file) and what
// SNI and the runtime API read from them: the names a client may ask for, whether the key is the certificate's. One
// owner for config/tls-cert-files.ts (files read at load, main thread) and core/tls/cert-update.ts (`set ssl cert`
// payloads, stats thread). A leaf: node:crypto and the model's types only.

import { X509Certificate, createPrivateKey } from 'node:crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED |DSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED |DSA )?PRIVATE KEY-----/;

/** The certificate blocks of a PEM text (leaf first, then its chain), in order. Pure. */
export function certificateBlocks(text: string): string[] {
  return text.match(CERT_BLOCK) ?? [];
}

/** The first private key block of a PEM text, or undefined. Pure. */
export function privateKeyBlock(text: string): string | undefined {
  return KEY_BLOCK.exec(text)?.[0];
}

/** The leaf certificate of a block, or undefined when OpenSSL cannot read it. */
export function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * Whether `keyPem` is the private key of `leaf`: 'match', 'mismatch', or 'unreadable' (not a key OpenSSL reads, or
 * an encrypted one: HAProxy would ask for its passphrase on a terminal, and neither can run with it).
 */
export function keyFits(leaf: X509Certificate, keyPem: string): 'match' | 'mismatch' | 'unreadable' {
  try {
    return leaf.checkPrivateKey(createPrivateKey(keyPem)) ? 'match' : 'mismatch';
  } catch {
    return 'unreadable';
  }
}

/** The DNS names a client may ask for by SNI: subjectAltName DNS entries, then the subject's CN(s), lower case. */
export function certificateNames(x: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) names.push(part.slice(4).toLowerCase());
  }
  for (const line of x.subject.split('\n')) {
    if (line.startsWith('CN=')) names.push(line.slice(3).toLowerCase());
  }
  return [...new Set(names)];
}
