// The TLS words of a bind line (manual §5.1): `ssl`, `crt` (file or directory, repeatable), `crt-list`, `strict-sni`,
// `prefer-client-ciphers`, `npn`, and the words every TLS side shares (versions, ciphers, curves, alpn, ca-file,
// crl-file, verify, tickets) through tls-options.ts, starting from global `ssl-default-bind-*`. Certificates, CA and
// CRL files are read here, at parse time, as HAProxy does; the forwarders get PEM text. Texts are haproxy 2.6.12's.
// Main thread, config parsing.

import { isAbsolute, join } from 'node:path';
import type { Diagnostics } from '../diagnostics.js';
import type { BindTls, GlobalTls, SourceRef, TlsCertificate } from '../model.js';
import { loadCrt, readPemBundle } from '../tls-cert-files.js';
import { DEFAULT_SSL_LIFETIME_S } from './tls-global.js';
import { TLS_SETTING_OPTIONS, applyTlsSetting, finishTlsSettings, newTlsDraft, type TlsDraft } from './tls-options.js';
import { loadCrtList } from './crt-list.js';
import { tlsContextProblem } from '../../core/tls/tls-context-options.js';

/** The bind words this module implements (bind.ts hands them here). */
export const BIND_TLS_WORDS: ReadonlySet<string> = new Set([
  'ssl', 'crt', 'crt-list', 'strict-sni', 'prefer-client-ciphers', 'npn', 'ca-ignore-err', 'crt-ignore-err', ...Object.keys(TLS_SETTING_OPTIONS).filter((w) => w !== 'tls-tickets'),
]);

/** A bind line's TLS words while the line is read. */
export interface BindTlsDraft {
  ssl: boolean;
  certs: TlsCertificate[];
  /** The first `crt`/`crt-list` complaint; the line is in error. */
  readonly tls: TlsDraft;
  strictSni: boolean;
  preferClientCiphers: boolean;
  /** Any certificate word seen (a `crt` without `ssl` serves clear text, as in HAProxy: warned). */
  sawCrt: boolean;
  /** `ca-ignore-err` / `crt-ignore-err` as written (`all` or error ids). */
  caIgnoreErr?: string;
  crtIgnoreErr?: string;
}

export function newBindTlsDraft(global: GlobalTls | undefined): BindTlsDraft {
  return {
    ssl: false,
    certs: [],
    tls: newTlsDraft(global?.bindDefaults),
    strictSni: false,
    preferClientCiphers: global?.preferClientCiphers ?? false,
    sawCrt: false,
  };
}

/** `crt` / `crt-list` paths are relative to `crt-base` unless absolute. */
export function underCrtBase(path: string, global: GlobalTls | undefined): string {
  return global?.crtBase !== undefined && !isAbsolute(path) ? join(global.crtBase, path) : path;
}

/**
 * Applies one TLS word of a bind line. Returns HAProxy's complaint (the caller prefixes the bind's context), or
 * undefined. Loads `crt` and `crt-list` files now.
 */
export function applyBindTlsOption(d: BindTlsDraft, option: string, value: string, global: GlobalTls | undefined): string | undefined {
  switch (option) {
    case 'ssl':
      d.ssl = true;
      return undefined;
    case 'strict-sni':
      d.strictSni = true;
      return undefined;
    case 'prefer-client-ciphers':
      d.preferClientCiphers = true;
      return undefined;
    case 'ca-ignore-err':
      d.caIgnoreErr = value;
      return undefined;
    case 'crt-ignore-err':
      d.crtIgnoreErr = value;
      return undefined;
    case 'npn':
      // Node's TLS has no NPN (gone from its OpenSSL bindings): clients negotiate with ALPN; bind.ts warns.
      return undefined;
    case 'crt': {
      d.sawCrt = true;
      const r = loadCrt(underCrtBase(value, global));
      if ('error' in r) return r.error;
      d.certs.push(...r.certs);
      return undefined;
    }
    case 'crt-list': {
      d.sawCrt = true;
      const r = loadCrtList(underCrtBase(value, global), global);
      if ('error' in r) return r.error;
      d.certs.push(...r.certs);
      return undefined;
    }
    default: {
      const problem = applyTlsSetting(d.tls, option, value, 'bind', global?.caBase === undefined ? {} : { caBase: global.caBase });
      return problem === 'not a TLS setting' ? `'${option}' is not a TLS word` : problem;
    }
  }
}

/** Reads a reported error as "not ok". */
function fail(_reported: undefined): boolean {
  return false;
}

/**
 * `ca-ignore-err` / `crt-ignore-err`: haproxy sorts each verify error by the depth it was found at (the CA chain or
 * the client's own certificate) and lets the client in when every one is ignored. node:tls reports only the last
 * error of a handshake, without its depth, so only both lists at `all` can be honoured exactly (every error ignored);
 * any other form is refused (null). true: every verify error ignored; false: none.
 */
function ignoredVerifyErrors(d: BindTlsDraft, at: SourceRef, diag: Diagnostics): boolean | null {
  if (d.caIgnoreErr === undefined && d.crtIgnoreErr === undefined) return false;
  if (d.caIgnoreErr === 'all' && d.crtIgnoreErr === 'all') return true;
  const shown = d.caIgnoreErr !== undefined && d.caIgnoreErr !== 'all' ? `ca-ignore-err ${d.caIgnoreErr}` : d.crtIgnoreErr !== undefined && d.crtIgnoreErr !== 'all' ? `crt-ignore-err ${d.crtIgnoreErr}` : d.caIgnoreErr === undefined ? 'crt-ignore-err alone' : 'ca-ignore-err alone';
  diag.notImplemented('bind ... ca-ignore-err or crt-ignore-err but both all', at, 'refused', { shown });
  return null;
}

/** Where the "Proxy 'f': … for bind '…' at [file:line]" texts come from. */
export interface BindTlsPlace {
  readonly proxy: string;
  readonly spec: string;
  readonly at: SourceRef;
}

/**
 * The bind's TLS once its words are read: undefined without `ssl` (a `crt` alone is warned, as HAProxy serves clear
 * text there), null when in error (each problem reported), else what the forwarders build their contexts from.
 */
export function finishBindTls(d: BindTlsDraft, place: BindTlsPlace, diag: Diagnostics, global: GlobalTls | undefined): BindTls | undefined | null {
  const { at } = place;
  const tail = `for bind '${place.spec}' at [${at.file}:${at.line}]`;
  if (!d.ssl) {
    if (d.sawCrt) diag.warn(`'crt' without 'ssl' on bind '${place.spec}': the certificate is loaded and the bind serves clear text, as HAProxy does`, at);
    return undefined;
  }
  if (d.certs.length === 0) {
    return diag.badValue(`Proxy '${place.proxy}': no SSL certificate specified for bind '${place.spec}' at [${at.file}:${at.line}] (use 'crt').`, at);
  }
  const f = finishTlsSettings(d.tls);
  for (const n of f.notes) {
    if (n.kind === 'no-ignored') {
      diag.warn(`Proxy '${place.proxy}': no-sslv3/no-tlsv1x are ignored ${tail}. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.`, at);
    } else if (n.kind === 'hole') {
      diag.warn(`Proxy '${place.proxy}': ${n.version} is disabled ${tail}: the versions above it are not served either (one contiguous range).`, at);
    }
  }
  const settings = f.settings;
  // haproxy 2.6.12's OpenSSL has no SSLv3 either: SSLv3 alone is "all disabled", SSLv3 as a floor is silently TLSv1.0.
  if (settings === undefined) return diag.badValue(`Proxy '${place.proxy}': all SSL/TLS versions are disabled ${tail}.`, at);
  let ok = true;
  const verify = settings.verify ?? 'none';
  const ignoreVerifyErrors = ignoredVerifyErrors(d, at, diag);
  if (ignoreVerifyErrors === null) ok = false;
  let caPem: string | undefined;
  if (settings.caFile !== undefined) {
    caPem = readPemBundle(settings.caFile, 'CERTIFICATE');
    if (caPem === undefined) ok = fail(diag.badValue(`'bind ${place.spec}' : 'ca-file' : unable to load ${settings.caFile}`, at));
  } else if (verify !== 'none') {
    ok = fail(diag.badValue(`Proxy '${place.proxy}': verify is enabled but no CA file specified ${tail}.`, at));
  }
  let crlPem: string | undefined;
  if (settings.crlFile !== undefined) {
    crlPem = readPemBundle(settings.crlFile, 'X509 CRL');
    if (crlPem === undefined) ok = fail(diag.badValue(`'bind ${place.spec}' : 'crl-file' : unable to load ${settings.crlFile}`, at));
  }
  const tls: BindTls = {
    settings,
    certs: d.certs,
    strictSni: d.strictSni,
    preferClientCiphers: d.preferClientCiphers,
    ...(caPem === undefined ? {} : { caPem }),
    ...(crlPem === undefined ? {} : { crlPem }),
    ...(global?.dhParamPem === undefined ? {} : { dhParamPem: global.dhParamPem }),
    lifetimeS: global?.lifetimeS ?? DEFAULT_SSL_LIFETIME_S,
    ...(ignoreVerifyErrors === true ? { ignoreVerifyErrors } : {}),
  };
  // OpenSSL judges the cipher, suite and curve lists: build one context now, as HAProxy does at start.
  const problem = ok ? tlsContextProblem(tls, d.tls.ecdhe !== undefined && d.tls.curves === undefined) : undefined;
  if (problem !== undefined) {
    const what = {
      ciphers: `unable to set SSL cipher list to '${settings.ciphers ?? ''}'`,
      ciphersuites: `unable to set TLS 1.3 cipher suites to '${settings.ciphersuites ?? ''}'`,
      curves: `unable to set SSL curves list to '${settings.curves ?? ''}'`,
      ecdhe: `unable to set elliptic named curve to '${settings.curves ?? ''}'`,
      other: `unable to build the TLS context (${problem.detail})`,
    }[problem.kind];
    diag.badValue(`Proxy '${place.proxy}': ${what} ${tail}.`, at);
    ok = false;
  }
  return ok ? tls : null;
}
