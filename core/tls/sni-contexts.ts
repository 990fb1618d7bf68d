// A bind's certificates as node:tls secure contexts and the SNI lookup over them (manual §5.1 "crt", "crt-list",
// "strict-sni"): an exact name first, then a `*.` wildcard covering the first label only, the first certificate
// when nothing matches (none with strict-sni). A crt-list line's filters replace the certificate's own names and
// `!name` excludes a name from that line. Built once per forwarder thread at start; lookups allocate nothing but the
// wildcard's suffix string.

import tls from 'node:tls';
import type { BindTls, TlsCertificate } from '../../config/model.js';
import { secureContextOptions } from './tls-context-options.js';
import type { TicketKeys } from './session-tickets.js';

/** One certificate's context, with what it was built from. */
export interface SniEntry {
  readonly context: tls.SecureContext;
  readonly cert: TlsCertificate;
  /** `!name` filters of its crt-list line. */
  readonly excluded: ReadonlySet<string>;
}

/** Node's SecureContext holds the native one here; setSessionIdContext is not in @types/node. */
interface NativeContext {
  setSessionIdContext?(id: string): void;
}

/**
 * Sets the session-id context (the bind's) on a context made outside a tls.Server: OpenSSL only resumes a session
 * whose context matches, and an SNI switch keeps the SSL object's only when both contexts carry the same one.
 */
export function setSessionIdContext(ctx: tls.SecureContext, id: string): void {
  const native = (ctx as unknown as { context?: NativeContext }).context;
  native?.setSessionIdContext?.(id);
}

export class SniContexts {
  /** Certificate order: the first is the default. */
  readonly entries: readonly SniEntry[];
  private readonly exact = new Map<string, SniEntry>();
  /** `*.example.com` → under key `example.com`, in load order. */
  private readonly wildcard = new Map<string, SniEntry[]>();

  /** `tickets`: the bind's ticket handler (Node answers OpenSSL's ticket call through the context switched to). */
  constructor(b: BindTls, sessionIdContext: string, tickets?: TicketKeys) {
    const entries: SniEntry[] = [];
    for (const cert of b.certs) {
      const context = tls.createSecureContext(secureContextOptions(b, cert));
      setSessionIdContext(context, sessionIdContext);
      tickets?.attach(context);
      const filters = cert.filters ?? [];
      const positive = filters.filter((f) => !f.startsWith('!'));
      const excluded = new Set(filters.filter((f) => f.startsWith('!')).map((f) => f.slice(1)));
      const entry: SniEntry = { context, cert, excluded };
      entries.push(entry);
      for (const name of positive.length > 0 ? positive : cert.names) {
        if (name.startsWith('*.')) {
          const key = name.slice(2);
          const list = this.wildcard.get(key);
          if (list === undefined) this.wildcard.set(key, [entry]);
          else list.push(entry);
        } else if (!this.exact.has(name) && !excluded.has(name)) {
          // The first certificate that names it wins, as HAProxy keeps the first one loaded.
          this.exact.set(name, entry);
        }
      }
    }
    this.entries = entries;
  }

  /** The certificate for an SNI name (any case), or undefined when none names it. */
  lookup(servername: string): SniEntry | undefined {
    const name = servername.toLowerCase();
    const hit = this.exact.get(name);
    if (hit !== undefined) return hit;
    const dot = name.indexOf('.');
    if (dot <= 0) return undefined;
    const list = this.wildcard.get(name.slice(dot + 1));
    if (list === undefined) return undefined;
    for (const e of list) if (!e.excluded.has(name)) return e;
    return undefined;
  }
}
