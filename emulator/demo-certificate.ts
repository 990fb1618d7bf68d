// The demo's HTTPS certificate (`npm start`): a self-signed ECDSA P-256 certificate for localhost / 127.0.0.1, made
// with node:crypto alone at first start (the demo needs no other software, so no openssl CLI) and kept in
// ~/.orcalb/demo-https.pem (certificate + key, as `bind … ssl crt` takes it) for later starts. The DER is written by
// hand: a minimal X.509 v3 certificate (RFC 5280) with a subjectAltName. Main thread of the demo only.

import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the demo keeps its certificate. */
export const DEMO_CERT_PATH = join(homedir(), '.orcalb', 'demo-https.pem');

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...p: Buffer[]): Buffer => der(0x30, ...p);
const oid = (bytes: readonly number[]): Buffer => der(0x06, Buffer.from(bytes));
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));

/** UTCTime YYMMDDHHMMSSZ. */
function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  return der(0x17, Buffer.from(`${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`));
}

const ECDSA_SHA256 = seq(oid([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
const CN = oid([0x55, 0x04, 0x03]);
const SAN = oid([0x55, 0x1d, 0x11]);

/** A fresh self-signed certificate and key as one PEM text. Valid from an hour ago for ten years. */
export function selfSignedPem(name = 'localhost'): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = seq(der(0x31, seq(CN, utf8(name))));
  const now = Date.now();
  // Serial: positive, 16 random bytes.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const altNames = seq(der(0x82, Buffer.from(name)), der(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = der(0xa3, seq(seq(SAN, der(0x04, altNames))));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ECDSA_SHA256,
    subject,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 10 * 365 * 86_400_000))),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, ECDSA_SHA256, der(0x03, Buffer.from([0]), signature));
  const b64 = cert.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n${String(privateKey.export({ type: 'pkcs8', format: 'pem' }))}`;
}

/**
 * The demo certificate's path, made on first use: an existing file that still parses and matches its key is kept.
 * Throws only when the directory cannot be written.
 */
export function ensureDemoCertificate(path = DEMO_CERT_PATH): string {
  if (existsSync(path)) {
    try {
      const pem = readFileSync(path, 'utf8');
      const x = new X509Certificate(pem);
      if (x.checkPrivateKey(createPrivateKey(pem)) && Date.parse(x.validTo) > Date.now()) return path;
    } catch {
      // Not a usable certificate: made again below.
    }
  }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, selfSignedPem(), { mode: 0o600 });
  return path;
}
