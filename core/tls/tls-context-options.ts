// A bind's TLS settings (config/model.ts BindTls) as node:tls secure-context options: the one place that maps
// HAProxy's words to OpenSSL's through Node (versions, the TLS ≤ 1.2 cipher list and the TLS 1.3 suites Node takes
// as one string, curves, DH, client-certificate CA and CRL). Config load calls it once to judge the lists (as HAProxy
// builds its contexts at start); each forwarder calls it once per certificate at start. Pure apart from OpenSSL.

import tls from 'node:tls';
import type { BindTls, TlsCertificate, TlsSettings } from '../../config/model.js';
import { nodeTlsVersion } from './tls-versions.js';

/** OpenSSL 3's TLS 1.3 suites when `ciphersuites` is not set (HAProxy leaves OpenSSL's default). */
export const OPENSSL_DEFAULT_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';
/** OpenSSL's own default TLS ≤ 1.2 list when `ciphers` is not set: what haproxy 2.6.12 serves, not Node's list. */
export const OPENSSL_DEFAULT_CIPHERS = 'DEFAULT';

/**
 * Node takes one `ciphers` string and splits it by the `TLS_` prefix into TLS 1.3 suites and the older list; an
 * absent half would switch that half off, so each half gets OpenSSL's default when it is not configured.
 */
export function nodeCipherString(s: Pick<TlsSettings, 'ciphers' | 'ciphersuites'>): string {
  return `${s.ciphersuites ?? OPENSSL_DEFAULT_SUITES}:${s.ciphers ?? OPENSSL_DEFAULT_CIPHERS}`;
}

/** The secure-context options of a bind, with `cert`'s key and chain when given (a strict-sni default has none). */
export function secureContextOptions(b: BindTls, cert?: TlsCertificate): tls.SecureContextOptions {
  const s = b.settings;
  const min = nodeTlsVersion(s.minVersion) ?? 'TLSv1';
  const max = nodeTlsVersion(s.maxVersion) ?? 'TLSv1.3';
  return {
    minVersion: min,
    maxVersion: max,
    ciphers: nodeCipherString(s),
    // HAProxy's default is the server's order; `prefer-client-ciphers` gives the client's.
    honorCipherOrder: !b.preferClientCiphers,
    ...(s.curves === undefined ? {} : { ecdhCurve: s.curves }),
    dhparam: b.dhParamPem ?? 'auto',
    ...(b.caPem === undefined ? {} : { ca: b.caPem }),
    ...(b.crlPem === undefined ? {} : { crl: b.crlPem }),
    ...(cert === undefined ? {} : { key: cert.keyPem, cert: cert.certPem }),
    sessionTimeout: b.lifetimeS,
  };
}

/** Which list OpenSSL refused, for the config's text. */
export interface TlsContextProblem {
  readonly kind: 'ciphers' | 'ciphersuites' | 'curves' | 'ecdhe' | 'other';
  readonly detail: string;
}

function tryContext(o: tls.SecureContextOptions): string | undefined {
  try {
    tls.createSecureContext(o);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Builds the bind's contexts once to find a list OpenSSL refuses (each judged alone, so the text names the right
 * one). `ecdheOnly`: the curve came from `ecdhe` (HAProxy words that failure differently). Main thread, config load.
 */
export function tlsContextProblem(b: BindTls, ecdheOnly: boolean): TlsContextProblem | undefined {
  const s = b.settings;
  if (s.ciphersuites !== undefined) {
    // A suite without the TLS_ prefix would land in the older list (Node splits by prefix): refuse it here.
    const bad = s.ciphersuites.split(':').some((x) => x !== '' && !x.startsWith('TLS_'));
    const detail = bad ? 'not a TLS 1.3 suite' : tryContext({ ciphers: `${s.ciphersuites}:${OPENSSL_DEFAULT_CIPHERS}` });
    if (detail !== undefined) return { kind: 'ciphersuites', detail };
  }
  if (s.ciphers !== undefined) {
    const detail = tryContext({ ciphers: `${OPENSSL_DEFAULT_SUITES}:${s.ciphers}` });
    if (detail !== undefined) return { kind: 'ciphers', detail };
  }
  if (s.curves !== undefined) {
    const detail = tryContext({ ecdhCurve: s.curves });
    if (detail !== undefined) return { kind: ecdheOnly ? 'ecdhe' : 'curves', detail };
  }
  for (const cert of b.certs) {
    const detail = tryContext(secureContextOptions(b, cert));
    if (detail !== undefined) return { kind: 'other', detail: `${cert.file}: ${detail}` };
  }
  return undefined;
}
