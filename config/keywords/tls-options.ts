// The TLS options that bind lines (§5.1), server lines (§5.2) and global `ssl-default-bind-options` /
// `ssl-default-server-options` share: the version range (`ssl-min-ver`, `ssl-max-ver`, `force-*`, `no-*`),
// `ciphers`, `ciphersuites`, `curves`, `ecdhe`, `alpn`, `ca-file`, `crl-file`, `verify`, `no-tls-tickets` /
// `tls-tickets`. The one reader of these words: bind.ts, server.ts and the global section call it, each with its own
// arity table and the words its side allows; core/tls/ turns the result into node:tls options. Main thread, config.

import { isAbsolute, join } from 'node:path';
import type { TlsDraft, TlsSettings, TlsVerify, TlsVersion } from '../model.js';
import {
  DEFAULT_MAX_VERSION,
  DEFAULT_MIN_VERSION,
  TLS_VERSIONS,
  parseTlsVersion,
  versionRank,
} from '../../core/tls/tls-versions.js';

// TlsDraft lives in config/model.ts (GlobalConfig holds the global defaults' drafts; a type import back here made a
// cycle the import-graph contract refuses); re-exported for the readers of this module.
export type { TlsDraft } from '../model.js';

/** Which side a line configures: `verify optional` exists only for client certificates (bind lines). */
export type TlsSide = 'bind' | 'server';

/** The words this module reads → the number of values each takes. */
export const TLS_SETTING_OPTIONS: Readonly<Record<string, number>> = {
  'ssl-min-ver': 1, 'ssl-max-ver': 1, 'force-sslv3': 0, 'force-tlsv10': 0, 'force-tlsv11': 0, 'force-tlsv12': 0,
  'force-tlsv13': 0, 'no-sslv3': 0, 'no-tlsv10': 0, 'no-tlsv11': 0, 'no-tlsv12': 0, 'no-tlsv13': 0, ciphers: 1,
  ciphersuites: 1, curves: 1, ecdhe: 1, alpn: 1, 'ca-file': 1, 'crl-file': 1, verify: 1, 'no-tls-tickets': 0,
  'tls-tickets': 0,
};

/** The `force-*` / `no-*` suffix → version. */
const VERSION_SUFFIX: Readonly<Record<string, TlsVersion>> = {
  sslv3: 'SSLv3', tlsv10: 'TLSv1.0', tlsv11: 'TLSv1.1', tlsv12: 'TLSv1.2', tlsv13: 'TLSv1.3',
};

export function newTlsDraft(from?: TlsDraft): TlsDraft {
  if (from === undefined) return { disabled: [], noTlsTickets: false };
  return { ...from, disabled: [...from.disabled], ...(from.alpn === undefined ? {} : { alpn: [...from.alpn] }) };
}

/** Paths of `ca-file` / `crl-file` are relative to `ca-base` when it is set and they are not absolute. */
export interface TlsPathBases {
  readonly caBase?: string;
}

/**
 * Applies one word (and its value, '' for a flag) to the draft. Returns undefined when done, or the complaint
 * (the caller prefixes it with its line's context, as for its other options). Words outside TLS_SETTING_OPTIONS
 * are the caller's: this returns 'not a TLS setting' for them.
 */
export function applyTlsSetting(
  d: TlsDraft,
  option: string,
  value: string,
  side: TlsSide,
  bases: TlsPathBases = {},
): string | undefined {
  if (option === 'ssl-min-ver' || option === 'ssl-max-ver') {
    const v = parseTlsVersion(value);
    // haproxy 2.6.12: "'TLSv9' : unknown ssl/tls version" (a server line adds a final '.').
    if (v === undefined) return `'${value}' : unknown ssl/tls version${side === 'server' ? '.' : ''}`;
    if (option === 'ssl-min-ver') d.min = v;
    else d.max = v;
    return undefined;
  }
  const forced = option.startsWith('force-') ? VERSION_SUFFIX[option.slice(6)] : undefined;
  if (forced !== undefined) {
    d.min = forced;
    d.max = forced;
    return undefined;
  }
  const off = option.startsWith('no-') ? VERSION_SUFFIX[option.slice(3)] : undefined;
  if (off !== undefined) {
    if (!d.disabled.includes(off)) d.disabled.push(off);
    return undefined;
  }
  switch (option) {
    case 'ciphers':
    case 'ciphersuites':
    case 'curves':
    case 'ecdhe':
      d[option] = value;
      return undefined;
    case 'alpn': {
      // Wire format limits each name to 255 bytes; an empty name (`h2,,http/1.1`) cannot be encoded.
      const names = value.split(',');
      if (names.some((n) => n.length === 0 || Buffer.byteLength(n) > 255)) return `'alpn' : invalid protocol list '${value}'`;
      d.alpn = names;
      return undefined;
    }
    case 'ca-file':
    case 'crl-file': {
      const path = bases.caBase !== undefined && !isAbsolute(value) && !value.startsWith('@') ? join(bases.caBase, value) : value;
      if (option === 'ca-file') d.caFile = path;
      else d.crlFile = path;
      return undefined;
    }
    case 'verify': {
      const allowed: readonly TlsVerify[] = side === 'bind' ? ['none', 'optional', 'required'] : ['none', 'required'];
      const v = allowed.find((a) => a === value);
      if (v === undefined) {
        // haproxy 2.6.12's two texts, word for word.
        return side === 'bind'
          ? `'verify' : unknown verify method '${value}', only 'none', 'optional', and 'required' are supported`
          : `'verify' : unknown verify method '${value}', only 'none' and 'required' are supported.`;
      }
      d.verify = v;
      return undefined;
    }
    case 'no-tls-tickets':
      d.noTlsTickets = true;
      return undefined;
    case 'tls-tickets':
      d.noTlsTickets = false;
      return undefined;
    default:
      return 'not a TLS setting';
  }
}

/** What resolving the version range found, for the caller to word with its line's context (HAProxy's texts). */
export type TlsRangeNote =
  /** `no-*` words next to `ssl-min-ver`/`ssl-max-ver`/`force-*`: HAProxy ignores them and warns. */
  | { readonly kind: 'no-ignored' }
  /** A `no-*` inside the range: versions above the hole are dropped (node:tls takes a contiguous range only). */
  | { readonly kind: 'hole'; readonly version: TlsVersion }
  /** Nothing left: an error. */
  | { readonly kind: 'all-disabled' }
  /** The range starts at SSLv3, which Node's OpenSSL 3 does not have: it starts at TLSv1.0 instead (a warning). */
  | { readonly kind: 'sslv3-dropped' }
  /** The range is SSLv3 alone: nothing can be served (an error). */
  | { readonly kind: 'sslv3-only' };

export interface TlsFinish {
  /** undefined when an error note (all-disabled, sslv3-only) is present. */
  readonly settings?: TlsSettings;
  readonly notes: readonly TlsRangeNote[];
}

/** Resolves the draft into settings: the range per HAProxy 2.6's rules, the rest as given. Pure. */
export function finishTlsSettings(d: TlsDraft): TlsFinish {
  const notes: TlsRangeNote[] = [];
  const explicit = d.min !== undefined || d.max !== undefined;
  if (explicit && d.disabled.length > 0) notes.push({ kind: 'no-ignored' });
  let low = versionRank(d.min ?? DEFAULT_MIN_VERSION);
  let high = versionRank(d.max ?? DEFAULT_MAX_VERSION);
  if (!explicit) {
    // Without ssl-min-ver/ssl-max-ver, `no-*` words shape the default range: from the lowest version left up to
    // the first hole (node:tls takes one contiguous range).
    const on = (i: number): boolean => !d.disabled.includes(TLS_VERSIONS[i] ?? 'SSLv3');
    while (low <= high && !on(low)) low++;
    if (low <= high) {
      let top = low;
      while (top < high && on(top + 1)) top++;
      const above = TLS_VERSIONS.slice(top + 2, high + 1).some((_, k) => on(top + 2 + k));
      const hole = TLS_VERSIONS[top + 1];
      if (above && hole !== undefined) notes.push({ kind: 'hole', version: hole });
      high = top;
    }
  }
  if (low > high) return { notes: [...notes, { kind: 'all-disabled' }] };
  if (low === 0 && high === 0) return { notes: [...notes, { kind: 'sslv3-only' }] };
  if (low === 0) {
    notes.push({ kind: 'sslv3-dropped' });
    low = 1;
  }
  const minVersion = TLS_VERSIONS[low] ?? DEFAULT_MIN_VERSION;
  const maxVersion = TLS_VERSIONS[high] ?? DEFAULT_MAX_VERSION;
  const curves = d.curves ?? d.ecdhe;
  const settings: TlsSettings = {
    minVersion,
    maxVersion,
    noTlsTickets: d.noTlsTickets,
    ...(d.ciphers === undefined ? {} : { ciphers: d.ciphers }),
    ...(d.ciphersuites === undefined ? {} : { ciphersuites: d.ciphersuites }),
    ...(curves === undefined ? {} : { curves }),
    ...(d.alpn === undefined ? {} : { alpn: d.alpn }),
    ...(d.caFile === undefined ? {} : { caFile: d.caFile }),
    ...(d.crlFile === undefined ? {} : { crlFile: d.crlFile }),
    ...(d.verify === undefined ? {} : { verify: d.verify }),
  };
  return { settings, notes };
}
