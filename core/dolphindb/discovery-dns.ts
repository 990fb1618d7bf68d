// DNS resolution at run time (HAProxy 2.6 manual §5.3: `resolvers` + `server … resolvers`): the servers of one
// server-template (or one server) with `resolvers NAME` are asked to that section's nameservers (UDP, c-ares through
// node:dns Resolver), an A query for a name, an SRV query for a `_service._proto.name` (each target's port, its A
// record); each address found takes a slot (discovery-slots.ts, the same path as dolphindb-discovery). `hold
// valid` paces the queries after a good answer, `timeout resolve` after a failed one; a failure empties the slots only
// once no good answer came for `hold nx|refused|timeout|other`; an address gone from the answers leaves its slot
// after `hold obsolete`. IPv4 only (a runtime address is one word). Runs on the health-check thread.

import { Resolver } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { BackendConfig, ResolversConfig } from '../../config/model.js';
import type { PlacedNode } from './discovery-plan.js';
import { DiscoverySlots, type DiscoveryTarget, type SlotWords } from './discovery-slots.js';

type FailStatus = 'nx' | 'refused' | 'timeout' | 'other';

/** node:dns error codes as HAProxy's response statuses (what `hold <status>` is keyed by). */
function failStatus(e: unknown): FailStatus {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  if (code === 'ENOTFOUND' || code === 'ENODATA') return 'nx';
  if (code === 'EREFUSED') return 'refused';
  if (code === 'ETIMEOUT') return 'timeout';
  return 'other';
}

const DNS_WORDS: SlotWords = {
  gone: (name) => `DNS: ${name} no longer in the answers`,
  down: (name) => `DNS: ${name} down`,
  unused: 'DNS: no address for this slot',
};

/** One name resolved into a group of slots. */
export class DnsDiscovery {
  readonly #backend: BackendConfig;
  readonly #fqdn: string;
  readonly #port: number;
  readonly #section: ResolversConfig;
  readonly #slots: DiscoverySlots;
  readonly #target: DiscoveryTarget;
  readonly #signal: AbortSignal;
  readonly #resolver: Resolver;
  /** When each address was last in an answer: kept `hold obsolete` after it left. */
  readonly #seen = new Map<string, { readonly node: PlacedNode; at: number }>();
  #lastValid = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #lastProblem = '';

  constructor(b: number, backend: BackendConfig, slots: readonly number[], section: ResolversConfig, target: DiscoveryTarget, signal: AbortSignal) {
    const first = backend.servers[slots[0] ?? -1];
    this.#backend = backend;
    this.#fqdn = first?.fqdn ?? '';
    this.#port = first?.port ?? 0;
    this.#section = section;
    this.#slots = new DiscoverySlots(b, slots, target);
    this.#target = target;
    this.#signal = signal;
    this.#resolver = new Resolver({ timeout: section.timeoutRetryMs, tries: section.resolveRetries });
    this.#resolver.setServers(section.nameservers.map((n) => `${n.host}:${n.port}`));
  }

  start(): void {
    this.#arm(0);
    this.#signal.addEventListener('abort', () => {
      clearTimeout(this.#timer);
      this.#resolver.cancel();
    }, { once: true });
  }

  #arm(ms: number): void {
    if (this.#signal.aborted) return;
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  /** The addresses the name has now: A records, or SRV targets with their ports. Rejects with node:dns's error. */
  async #query(): Promise<PlacedNode[]> {
    if (!this.#fqdn.startsWith('_')) {
      const addresses = await this.#resolver.resolve4(this.#fqdn);
      return addresses.map((a) => ({ name: `${a}:${this.#port}`, address: a, port: this.#port, alive: true }));
    }
    const records = await this.#resolver.resolveSrv(this.#fqdn);
    const nodes: PlacedNode[] = [];
    for (const r of records) {
      const address = isIPv4(r.name) ? r.name : (await this.#resolver.resolve4(r.name))[0];
      if (address !== undefined) nodes.push({ name: `${r.name}:${r.port}`, address, port: r.port, alive: true });
    }
    return nodes;
  }

  async #tick(): Promise<void> {
    const label = `${this.#backend.name}/${this.#fqdn}`;
    try {
      const answer = await this.#query();
      if (this.#signal.aborted) return;
      const now = Date.now();
      this.#lastValid = now;
      for (const node of answer) this.#seen.set(node.name, { node, at: now });
      // Addresses gone from the answers stay for `hold obsolete`, then leave their slots.
      for (const [name, seen] of this.#seen) if (now - seen.at > this.#section.hold.obsolete) this.#seen.delete(name);
      const nodes = [...this.#seen.values()].map((v) => v.node);
      const unplaced = this.#slots.place(nodes, DNS_WORDS);
      this.#say(unplaced.length === 0 ? '' : `resolvers ${this.#section.name}: ${label}: ${unplaced.length} address(es) and ${this.#slots.slots.length} slot(s): ${unplaced.join(', ')} left out`);
      this.#arm(this.#section.hold.valid);
    } catch (e) {
      if (this.#signal.aborted) return;
      const status = failStatus(e);
      // HAProxy's rule: the servers go only once no valid answer came for `hold <status>`.
      if (Date.now() - this.#lastValid > this.#section.hold[status] && this.#slots.held() > 0) {
        this.#slots.emptyAll(`DNS ${status.toUpperCase()} status`);
        this.#seen.clear();
      }
      this.#say(`resolvers ${this.#section.name}: ${label}: ${status} (${e instanceof Error ? e.message : String(e)}); ${this.#slots.held()} server(s) kept`);
      this.#arm(this.#section.timeoutResolveMs);
    }
  }

  /** Logs a problem once (not at every query), and nothing for a clean answer. */
  #say(problem: string): void {
    if (problem !== '' && problem !== this.#lastProblem) this.#target.note(this.#backend.name, problem);
    this.#lastProblem = problem;
  }
}

/**
 * The DNS groups of a backend: each server-template with `resolvers` (all its servers), and each plain server with
 * it. Templates owned by dolphindb-discovery are left to it. Pure apart from building the resolvers.
 */
export function dnsGroups(
  b: number,
  backend: BackendConfig,
  sections: readonly ResolversConfig[],
  target: DiscoveryTarget,
  signal: AbortSignal,
): DnsDiscovery[] {
  const groups = new Map<string, number[]>();
  backend.servers.forEach((srv, s) => {
    if (srv.resolvers === undefined || srv.retired === true) return;
    if (srv.template !== undefined && srv.template === backend.options.dolphindbDiscovery?.template) return;
    const key = srv.template === undefined ? `server ${srv.name}` : `template ${srv.template}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  });
  return [...groups.values()].flatMap((slots) => {
    const first = backend.servers[slots[0] ?? -1];
    const section = sections.find((r) => r.name === first?.resolvers);
    // A server written with an address has nothing to resolve (haproxy asks nothing for it either).
    if (first?.fqdn === undefined || section === undefined || section.nameservers.length === 0) return [];
    return [new DnsDiscovery(b, backend, slots, section, target, signal)];
  });
}
