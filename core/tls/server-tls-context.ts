// A server line's TLS settings (§5.2 `ssl`, `verify`, `ca-file`, `crl-file`, `crt`, `ciphers`, `ciphersuites`,
// `ssl-min-ver`/`ssl-max-ver`) as node:tls's secure context, and HAProxy's rule for the certificate's name: the SNI sent,
// else `verifyhost`, else no name check. The one place that turns a ServerTlsConfig
// into node:tls options: the forwarders' server connections and the health thread's checks build theirs here, once
// per thread; the config loader builds one to find bad ciphers, keys or CA files at load. Any thread.

import tls from 'node:tls';
import type { ServerTlsConfig } from '../../config/model.js';
import { nodeTlsVersion } from './tls-versions.js';

/** `ca-file @system-ca`: the system's trust store instead of a file (HAProxy 2.6's special name). */
export const SYSTEM_CA = '@system-ca';

/** The certificates a `ca-file` names: its PEM text, or the system's store. */
function caOf(ca: string | undefined): string | string[] | undefined {
  if (ca === undefined) return undefined;
  return ca === SYSTEM_CA ? tls.getCACertificates('system') : ca;
}

/** node:tls's secure-context options for a server's settings (no connection-level option: SNI, ALPN, session). */
export function serverContextOptions(cfg: ServerTlsConfig): tls.SecureContextOptions {
  const s = cfg.settings;
  const min = nodeTlsVersion(s.minVersion);
  const max = nodeTlsVersion(s.maxVersion);
  const ca = caOf(cfg.ca);
  const ciphers = nodeCiphers(s.ciphers, s.ciphersuites);
  return {
    ...(min === undefined ? {} : { minVersion: min }),
    ...(max === undefined ? {} : { maxVersion: max }),
    ...(ciphers === undefined ? {} : { ciphers }),
    ...(ca === undefined ? {} : { ca }),
    ...(cfg.crl === undefined ? {} : { crl: cfg.crl }),
    ...(cfg.cert === undefined ? {} : { cert: cfg.cert }),
    ...(cfg.key === undefined ? {} : { key: cfg.key }),
  };
}

/**
 * node:tls has one `ciphers` string for both lists: its TLS 1.3 names (TLS_*) set the suites, the rest OpenSSL's
 * TLS ≤ 1.2 list; a list without TLS 1.3 names keeps OpenSSL's default suites, as HAProxy's `ciphers` alone does.
 */
function nodeCiphers(ciphers: string | undefined, suites: string | undefined): string | undefined {
  if (ciphers === undefined && suites === undefined) return undefined;
  if (suites === undefined) return ciphers;
  // Only suites: the TLS ≤ 1.2 list stays OpenSSL's default.
  const rest = ciphers ?? tls.DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_')).join(':');
  return `${suites}:${rest}`;
}

/**
 * Builds the secure context; throws node:tls's error for a bad cipher list, key, certificate or CRL (the loader
 * words it as HAProxy does).
 */
export function serverSecureContext(cfg: ServerTlsConfig): tls.SecureContext {
  return tls.createSecureContext(serverContextOptions(cfg));
}

/**
 * The name check of a server certificate (node:tls checkServerIdentity): HAProxy 2.6 checks the SNI it sent, else the
 * `verifyhost` name, else nothing (the chain alone is verified); `verify none` checks nothing.
 * undefined means "accept the name".
 */
export function serverNameCheck(cfg: ServerTlsConfig): (sni: string | undefined, cert: tls.PeerCertificate) => Error | undefined {
  if (cfg.settings.verify !== 'required') return () => undefined;
  const fixed = cfg.verifyHost;
  return (sni, cert) => {
    const name = sni !== undefined && sni !== '' ? sni : fixed;
    if (name === undefined) return undefined;
    return tls.checkServerIdentity(name, cert);
  };
}
