// A certificate file committed through the runtime API (`commit ssl cert F`, management guide §9.3): its new content
// and how a thread's copy of the Config takes it. Every bind certificate loaded from F (a `crt` word, a directory
// entry, a crt-list line) gets the new PEM and the names SNI picks it by, re-read from the new certificate as at
// start; a crt-list line's own filters and `[alpn …]` stay. Main (the Config restarted threads get) and every
// forwarder (core/tls/tls-front.ts then builds the bind's secure contexts again) apply it; not a hot path.

import type { BindTls, Config, TlsCertificate } from '../../config/model.js';

/** What main hands the forwarders on a commit (workers/messages.ts 'ssl-cert'). Plain data: it crosses threads. */
export interface CertUpdate {
  readonly file: string;
  /** The leaf then its chain. */
  readonly certPem: string;
  readonly keyPem: string;
  /** Lower-case SNI names of the new leaf (subjectAltName DNS, subject CN). */
  readonly names: readonly string[];
}

/** One ssl bind a commit changed: indexes in config.frontends and that frontend's binds. */
export interface ChangedBind {
  readonly fe: number;
  readonly bind: number;
  readonly tls: BindTls;
}

/** Narrows a CertUpdate received from another thread (data: parse, don't trust). */
export function isCertUpdate(u: unknown): u is CertUpdate {
  if (typeof u !== 'object' || u === null) return false;
  const c = u as { file?: unknown; certPem?: unknown; keyPem?: unknown; names?: unknown };
  return typeof c.file === 'string' && typeof c.certPem === 'string' && typeof c.keyPem === 'string' &&
    Array.isArray(c.names) && c.names.every((n) => typeof n === 'string');
}

/**
 * Puts `u` in every ssl bind of `config` that loaded `u.file` and returns those binds (empty when none did). Mutates
 * the thread's own Config: it is readonly to its readers, and this function is its one writer for certificates.
 */
export function applyCertUpdate(config: Config, u: CertUpdate): ChangedBind[] {
  const changed: ChangedBind[] = [];
  config.frontends.forEach((f, fe) => {
    f.binds.forEach((b, bind) => {
      const tls = b.tls;
      if (tls === undefined || !tls.certs.some((c) => c.file === u.file)) return;
      const certs: TlsCertificate[] = tls.certs.map((c) =>
        c.file === u.file ? { ...c, certPem: u.certPem, keyPem: u.keyPem, names: [...u.names] } : c,
      );
      (tls as { certs: readonly TlsCertificate[] }).certs = certs;
      changed.push({ fe, bind, tls });
    });
  });
  return changed;
}

/** How many bind certificates of `config` come from `file` (HAProxy's instances of a store: one dot each on commit). */
export function certInstances(config: Config, file: string): number {
  let n = 0;
  for (const f of config.frontends) for (const b of f.binds) for (const c of b.tls?.certs ?? []) if (c.file === file) n++;
  return n;
}
