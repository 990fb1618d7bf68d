// TLS protocol versions: HAProxy's names (`ssl-min-ver TLSv1.2`) in order, and what node:tls calls them. The one
// owner of that mapping for bind lines, server lines and checks. Pure; any thread.

import type { SecureVersion } from 'node:tls';
import type { TlsVersion } from '../../config/model.js';

/** HAProxy's version names, oldest first: a range is a pair of indexes into this list. */
export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** HAProxy 2.6's range when none is configured: `ssl-min-ver TLSv1.2` is its default since 2.2. */
export const DEFAULT_MIN_VERSION: TlsVersion = 'TLSv1.2';
export const DEFAULT_MAX_VERSION: TlsVersion = 'TLSv1.3';

/** A version name as HAProxy writes it, or undefined for anything else (case-sensitive, as HAProxy compares). */
export function parseTlsVersion(word: string): TlsVersion | undefined {
  return TLS_VERSIONS.find((v) => v === word);
}

/**
 * node:tls's name of a version, or undefined for SSLv3: Node's OpenSSL 3 has no SSLv3 at all, so a range that
 * needs it cannot be served (the config says so instead of silently serving TLS 1.0).
 */
export function nodeTlsVersion(v: TlsVersion): SecureVersion | undefined {
  switch (v) {
    case 'TLSv1.0':
      return 'TLSv1';
    case 'TLSv1.1':
    case 'TLSv1.2':
    case 'TLSv1.3':
      return v;
    default:
      return undefined;
  }
}

/** The position of a version in TLS_VERSIONS (0 = SSLv3). */
export function versionRank(v: TlsVersion): number {
  return TLS_VERSIONS.indexOf(v);
}
