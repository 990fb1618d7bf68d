// Turns the host names of bind, server and `addr` words into numeric IPs once parsing is done, the way HAProxy
// resolves server addresses at startup through libc (manual §5.3 "init-addr": libc is the default method).
// Numeric addresses pass through; names go to dns.promises.lookup, all in parallel, each bounded by a timeout.

import { lookup as dnsLookup } from 'node:dns/promises';
import { isNumericHost } from './address.js';

/** How long one name may take to resolve before it counts as unresolvable. */
export const RESOLVE_TIMEOUT_MS = 2000;

export type Resolution = { readonly ok: true; readonly address: string } | { readonly ok: false; readonly reason: string };

/** The lookup function, replaceable so tests can simulate slow or failing resolvers without a network. */
export type HostLookup = (host: string) => Promise<string>;

const systemLookup: HostLookup = async (host) => (await dnsLookup(host)).address;

/**
 * Resolves each distinct host once. Returns host → Resolution for every input host; never rejects.
 * Runs on the main thread; the timers it sets are unref'd so a hung resolver cannot keep the process alive.
 */
export async function resolveHosts(
  hosts: Iterable<string>,
  timeoutMs: number = RESOLVE_TIMEOUT_MS,
  lookup: HostLookup = systemLookup,
): Promise<Map<string, Resolution>> {
  const unique = [...new Set(hosts)];
  const results = await Promise.all(unique.map((host) => resolveOne(host, timeoutMs, lookup)));
  return new Map(unique.map((host, i) => [host, results[i] ?? { ok: false, reason: 'not resolved' }]));
}

async function resolveOne(host: string, timeoutMs: number, lookup: HostLookup): Promise<Resolution> {
  // Brackets are stripped by the address splitter; a zone index (fe80::1%eth0) is accepted as numeric here.
  const bare = host.split('%')[0] ?? host;
  if (isNumericHost(bare)) return { ok: true, address: host };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Resolution>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
  });
  const answer = lookup(host).then(
    (address): Resolution => ({ ok: true, address }),
    (e: unknown): Resolution => ({ ok: false, reason: e instanceof Error ? e.message : String(e) }),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
