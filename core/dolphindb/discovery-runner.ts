// dolphindb-discovery's loop for one backend (issue 16): every `interval` it reads the cluster from the controllers
// (discovery-controller.ts), resolves each node's host, plans which template slot holds which node
// (discovery-plan.ts) and hands each step to the health checker, the single writer of server state
// (HealthChecker.discoverySet: address, resolution maintenance, checks). A bad answer (no controller reachable,
// refused login, garbage, an empty cluster) changes no slot: the backend keeps its last known servers, the reason is
// logged once per change and the next try waits twice as long, up to 8 intervals (at least 30 s). Runs on the
// health-check thread.

import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { BackendConfig, Config, DolphinDbDiscoveryConfig } from '../../config/model.js';
import { checkDeadlines } from '../health/scheduler.js';
import { readController } from './discovery-controller.js';
import type { ClusterNode } from './discovery-nodes.js';
import type { PlacedNode } from './discovery-plan.js';
import { dnsGroups, type DnsDiscovery } from './discovery-dns.js';
import { DiscoverySlots, type DiscoveryTarget, type SlotWords } from './discovery-slots.js';

/** The reasons of dolphindb-discovery's slot changes. */
const CONTROLLER_WORDS: SlotWords = {
  gone: (name) => `DolphinDB node ${name} left the cluster`,
  down: (name) => `DolphinDB node ${name} reported down by the controller`,
  unused: 'no DolphinDB node for this slot',
};

/** The longest wait between two tries after failures: 8 intervals, and never less than 30 s. */
function maxBackoffMs(intervalMs: number): number {
  return Math.max(30_000, 8 * intervalMs);
}

/** How long a node's host name may take to resolve. */
const LOOKUP_TIMEOUT_MS = 2000;

/** A node's host as an IPv4 address (a name through libc), or why not. Never rejects. */
async function resolveNode(node: ClusterNode): Promise<PlacedNode | string> {
  if (isIPv4(node.host)) return { name: node.name, address: node.host, port: node.port, alive: node.alive };
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS);
      timer.unref();
    });
    const found = await Promise.race([lookup(node.host, { family: 4 }), late]);
    return { name: node.name, address: found.address, port: node.port, alive: node.alive };
  } catch (e) {
    return `${node.name}: host '${node.host}' does not resolve to an IPv4 address (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    clearTimeout(timer);
  }
}

/** One backend's discovery. Construct on the health thread; start() arms the first reading at once. */
export class DiscoveryRunner {
  readonly #backend: BackendConfig;
  readonly #cfg: DolphinDbDiscoveryConfig;
  readonly #target: DiscoveryTarget;
  readonly #signal: AbortSignal;
  readonly #slots: DiscoverySlots;
  #controller = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The last line logged about a failure or unplaced nodes: the same one is not repeated every interval. */
  #lastProblem = '';
  #status = 'no reading yet';
  #unplaced: readonly string[] = [];
  #lastReadingMs = 0;

  constructor(b: number, backend: BackendConfig, cfg: DolphinDbDiscoveryConfig, target: DiscoveryTarget, signal: AbortSignal) {
    this.#backend = backend;
    this.#cfg = cfg;
    this.#target = target;
    this.#signal = signal;
    this.#slots = new DiscoverySlots(b, backend.servers.flatMap((srv, s) => (srv.template === cfg.template && srv.retired !== true ? [s] : [])), target);
  }

  get backendName(): string {
    return this.#backend.name;
  }

  start(): void {
    this.#arm(0);
    this.#signal.addEventListener('abort', () => clearTimeout(this.#timer), { once: true });
  }

  /** The lines `show dolphindb` prints for this backend: controller, state, slots, nodes left out. */
  statusLines(): string[] {
    const age = this.#lastReadingMs === 0 ? 'never' : `${Math.round((Date.now() - this.#lastReadingMs) / 100) / 10}s ago`;
    const c = this.#cfg.controllers[this.#controller];
    const lines = [
      `discovery ${this.#backend.name}: controller ${c?.host ?? '?'}:${c?.port ?? 0}, last good reading ${age}, ${this.#status}`,
    ];
    this.#slots.holdings().forEach((h, i) => {
      const srv = this.#backend.servers[this.#slots.slots[i] ?? -1];
      if (srv === undefined) return;
      const node = h.node === undefined ? '-' : `${h.node.name} ${h.node.address}:${h.node.port}${h.node.alive ? '' : ' (down)'}`;
      lines.push(`  ${this.#backend.name}/${srv.name} ${node}`);
    });
    if (this.#unplaced.length > 0) lines.push(`  not placed (no free slot of template ${this.#cfg.template ?? ''}): ${this.#unplaced.join(', ')}`);
    return lines;
  }

  #arm(ms: number): void {
    if (this.#signal.aborted) return;
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      const deadlines = checkDeadlines(Math.min(this.#cfg.intervalMs, 5000), this.#backend.timeouts);
      const reading = await readController(this.#cfg, this.#controller, deadlines, this.#signal);
      if (this.#signal.aborted) return;
      if (!reading.ok) return this.#failed(`no usable answer from any controller (${reading.reasons.join('; ')})`);
      this.#controller = reading.controller;
      if (reading.nodes.length === 0) {
        return this.#failed(`the controller lists no ${this.#cfg.role === 'all' ? 'data or compute' : this.#cfg.role} node`);
      }
      const resolved = await Promise.all(reading.nodes.map(resolveNode));
      if (this.#signal.aborted) return;
      const nodes = resolved.filter((r): r is PlacedNode => typeof r !== 'string');
      const unresolved = resolved.filter((r): r is string => typeof r === 'string');
      this.#apply(nodes, unresolved);
    } catch (e) {
      // Only a bug gets here; the thread and the backend's servers live on.
      this.#failed(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  #apply(nodes: readonly PlacedNode[], unresolved: readonly string[]): void {
    const unplaced = this.#slots.place(nodes, CONTROLLER_WORDS);
    this.#unplaced = [...unplaced, ...unresolved.map((u) => u.split(':')[0] ?? u)];
    this.#failures = 0;
    this.#lastReadingMs = Date.now();
    const problems = [
      ...(unplaced.length > 0
        ? [`${unplaced.length} node(s) left out, the ${this.#slots.slots.length} slots of template ${this.#cfg.template ?? ''} are full: ${unplaced.join(', ')}`]
        : []),
      ...unresolved,
    ].join('; ');
    this.#status = `${nodes.length} node(s)${problems === '' ? '' : `; ${problems}`}`;
    if (problems !== '' && problems !== this.#lastProblem) this.#target.note(this.#backend.name, `dolphindb-discovery of backend ${this.#backend.name}: ${problems}.`);
    this.#lastProblem = problems;
    this.#arm(this.#cfg.intervalMs);
  }

  /** A reading that changes nothing: keep the servers, say why (once), wait longer. */
  #failed(why: string): void {
    this.#failures++;
    const wait = Math.min(this.#cfg.intervalMs * 2 ** this.#failures, maxBackoffMs(this.#cfg.intervalMs));
    const kept = this.#slots.held();
    this.#status = `failing (${this.#failures} in a row): ${why}`;
    if (why !== this.#lastProblem) {
      this.#target.note(this.#backend.name, `dolphindb-discovery of backend ${this.#backend.name}: ${why}; keeping the ${kept} server(s) it knows, next try in ${wait} ms.`);
    }
    this.#lastProblem = why;
    this.#arm(wait);
  }
}

/** Every backend's discovery on this thread: started with the checks, stopped with them. Health thread. */
export class DiscoveryRunners {
  readonly #runners: DiscoveryRunner[] = [];
  /** `server … resolvers` (DNS at run time), which fills slots the same way. */
  readonly #dns: DnsDiscovery[] = [];
  readonly #abort = new AbortController();

  constructor(config: Config, target: DiscoveryTarget) {
    config.backends.forEach((be, b) => {
      if (be.disabled) return;
      const cfg = be.options.dolphindbDiscovery;
      if (cfg !== undefined) this.#runners.push(new DiscoveryRunner(b, be, cfg, target, this.#abort.signal));
      this.#dns.push(...dnsGroups(b, be, config.resolvers ?? [], target, this.#abort.signal));
    });
  }

  start(): void {
    for (const r of this.#runners) r.start();
    for (const d of this.#dns) d.start();
  }

  stop(): void {
    this.#abort.abort();
  }

  /** The status lines of every backend's discovery, or of backend `name` only. */
  statusLines(name?: string): string[] {
    return this.#runners.filter((r) => name === undefined || r.backendName === name).flatMap((r) => r.statusLines());
  }
}
