// The `resolvers <name>` section (HAProxy 2.6 manual §5.3.2): `nameserver`, `parse-resolv-conf`, `hold`,
// `resolve_retries`, `timeout resolve|retry`, `accepted_payload_size`, with haproxy 2.6.12's alert texts (measured
// with `haproxy -c`). What servers with `resolvers <name>` are resolved with at run time, on the health thread
// (core/dolphindb/discovery-dns.ts). Main thread, config parsing.

import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import type { Diagnostics } from '../diagnostics.js';
import type { ResolversConfig, SourceRef } from '../model.js';
import type { ConfigLine } from '../tokenize.js';
import { parseInteger, parseTime } from '../units.js';

/** HAProxy 2.6's defaults (§5.3.2): hold nx/other/refused/timeout 30s, valid 10s, obsolete 0s; timeouts 1s; 3 tries. */
const DEFAULT_HOLD: Readonly<Record<HoldStatus, number>> = { nx: 30_000, other: 30_000, refused: 30_000, timeout: 30_000, valid: 10_000, obsolete: 0 };
const HOLD_STATUSES = ['nx', 'other', 'refused', 'timeout', 'valid', 'obsolete'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** A resolvers section being read. */
export interface ResolversDraft {
  readonly source: SourceRef;
  readonly name: string;
  readonly nameservers: { name: string; host: string; port: number }[];
  readonly hold: Record<HoldStatus, number>;
  timeoutResolveMs: number;
  timeoutRetryMs: number;
  resolveRetries: number;
}

/** `resolvers <name>`: a new draft with HAProxy's defaults. */
export function openResolvers(line: ConfigLine, diag: Diagnostics): ResolversDraft | undefined {
  const name = line.args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "missing name for resolvers section.", line.source);
    return undefined;
  }
  return { source: line.source, name, nameservers: [], hold: { ...DEFAULT_HOLD }, timeoutResolveMs: 1000, timeoutRetryMs: 1000, resolveRetries: 3 };
}

function time(v: string | undefined): number | undefined {
  const t = parseTime(v ?? '');
  return t.kind === 'ok' && !('trailing' in t) ? t.ms : undefined;
}

/** `ip[:port]` of a nameserver (port 53 by default); IPv4 only (orcalb's DNS client asks over UDP/IPv4). */
function nameserverAt(word: string): { host: string; port: number } | undefined {
  const colon = word.lastIndexOf(':');
  const host = colon < 0 ? word : word.slice(0, colon);
  const port = colon < 0 ? 53 : parseInteger(word.slice(colon + 1));
  return isIPv4(host) && port !== undefined && port >= 1 && port <= 65535 ? { host, port } : undefined;
}

/** One line of a resolvers section. */
export function parseResolversLine(d: ResolversDraft, line: ConfigLine, diag: Diagnostics): void {
  const [keyword = '', a, b] = line.args;
  const at = line.source;
  switch (keyword) {
    case 'nameserver': {
      const server = a === undefined || b === undefined ? undefined : nameserverAt(b);
      if (a === undefined || b === undefined) {
        diag.error('ORCA_CONFIG_SYNTAX', "'nameserver' expects <name> and <addr>[:<port>] as arguments.", at);
      } else if (server === undefined) {
        diag.badValue(`'nameserver ${a}' : orcalb asks IPv4 nameservers only, over UDP: invalid address '${b}'.`, at, { found: b });
      } else {
        d.nameservers.push({ name: a, ...server });
      }
      return;
    }
    case 'parse-resolv-conf':
      readResolvConf(d, at, diag);
      return;
    case 'hold': {
      if (!(HOLD_STATUSES as readonly string[]).includes(a ?? '')) {
        diag.badValue(`'hold' unknown <event>: '${a ?? ''}', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'.`, at, { found: a ?? '' });
        return;
      }
      const ms = time(b);
      if (ms === undefined) diag.badValue(`'hold ${a ?? ''}' expects a time, got '${b ?? ''}'.`, at, { found: b ?? '' });
      else d.hold[a as HoldStatus] = ms;
      return;
    }
    case 'resolve_retries': {
      const n = parseInteger(a ?? '');
      if (n === undefined || n < 1) diag.badValue(`'resolve_retries' expects <nb> as argument, got '${a ?? ''}'.`, at, { found: a ?? '' });
      else d.resolveRetries = n;
      return;
    }
    case 'timeout': {
      const ms = time(b);
      if ((a !== 'resolve' && a !== 'retry') || ms === undefined) {
        diag.badValue(`'timeout' expects 'resolve' or 'retry' and a time, got '${line.args.slice(1).join(' ')}'.`, at);
      } else if (a === 'resolve') d.timeoutResolveMs = ms;
      else d.timeoutRetryMs = ms;
      return;
    }
    case 'accepted_payload_size':
      // EDNS0 payload size: orcalb's resolver (c-ares) sizes its own buffers; the value changes nothing.
      if (parseInteger(a ?? '') === undefined) diag.badValue(`'accepted_payload_size' expects <nb> as argument, got '${a ?? ''}'.`, at);
      return;
    default:
      diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown keyword '${keyword}' in 'resolvers' section`, at, { found: keyword });
  }
}

/** `parse-resolv-conf`: the IPv4 `nameserver` lines of /etc/resolv.conf, named `resolvconf1`… */
function readResolvConf(d: ResolversDraft, at: SourceRef, diag: Diagnostics): void {
  let text: string;
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch (e) {
    diag.error('ORCA_CONFIG_RESOLVE', `'parse-resolv-conf' : cannot read /etc/resolv.conf (${e instanceof Error ? e.message : String(e)}).`, at);
    return;
  }
  for (const l of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    if (m?.[1] !== undefined && isIPv4(m[1])) d.nameservers.push({ name: `resolvconf${d.nameservers.length + 1}`, host: m[1], port: 53 });
  }
}

/** The finished section. */
export function finishResolvers(d: ResolversDraft): ResolversConfig {
  return {
    source: d.source, name: d.name, nameservers: d.nameservers.map((n) => ({ ...n })), hold: { ...d.hold },
    timeoutResolveMs: d.timeoutResolveMs, timeoutRetryMs: d.timeoutRetryMs, resolveRetries: d.resolveRetries,
  };
}

/**
 * Every `server … resolvers NAME` must name a resolvers section (haproxy 2.6.12's alert otherwise). Main thread,
 * once every section is read.
 */
export function checkServerResolvers(
  proxies: readonly { readonly kind: string; readonly name: string; readonly servers: readonly { readonly name: string; readonly source: SourceRef; readonly settings: { readonly resolvers?: string } }[] }[],
  sections: readonly { readonly name: string }[],
  diag: Diagnostics,
): void {
  for (const p of proxies) {
    for (const s of p.servers) {
      const want = s.settings.resolvers;
      if (want === undefined || sections.some((r) => r.name === want)) continue;
      diag.error('ORCA_CONFIG_REFERENCE', `${p.kind} '${p.name}', server '${s.name}': unable to find required resolvers '${want}'`, s.source, { found: want });
    }
  }
}
