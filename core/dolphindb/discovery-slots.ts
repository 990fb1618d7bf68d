// The slots one discovery source fills (a server-template's, or a single server's): what each holds, and the
// plan's steps (discovery-plan.ts) handed to the health checker (HealthChecker.discoverySet). Shared by
// dolphindb-discovery (discovery-runner.ts) and DNS resolution (discovery-dns.ts). Health-check thread.

import type { DiscoveryChange } from '../health/health-checker.js';
import { ipv4Word } from '../shared/server-address.js';
import { planSlots, type PlacedNode, type SlotHolding } from './discovery-plan.js';

/** What a discovery source drives: the health checker's slot changes, and where its lines go. */
export interface DiscoveryTarget {
  discoverySet(b: number, s: number, change: DiscoveryChange): boolean;
  /** The address a slot holds now (not in resolution maintenance), or undefined. */
  slotAddress(b: number, s: number): { readonly address: string; readonly port: number } | undefined;
  /** A line about backend `backend` (stderr warning, the backend's syslog at notice). */
  note(backend: string, text: string): void;
}

/** The reasons a source gives for its steps, in its own words. */
export interface SlotWords {
  readonly gone: (name: string) => string;
  readonly down: (name: string) => string;
  /** A slot left without an address after the first good answer. */
  readonly unused: string;
}

export class DiscoverySlots {
  readonly #b: number;
  /** Server indexes of the slots, in order. */
  readonly slots: readonly number[];
  readonly #target: DiscoveryTarget;
  #holdings: SlotHolding[];
  #first = true;

  constructor(b: number, slots: readonly number[], target: DiscoveryTarget) {
    this.#b = b;
    this.slots = slots;
    this.#target = target;
    this.#holdings = slots.map(() => ({ node: undefined }));
  }

  /** How many slots hold a node now. */
  held(): number {
    return this.#holdings.filter((h) => h.node !== undefined).length;
  }

  /** What each slot holds, in order (for status lines). */
  holdings(): readonly SlotHolding[] {
    return this.#holdings;
  }

  /** Brings the slots in line with `nodes`; returns the nodes no slot was left for. */
  place(nodes: readonly PlacedNode[], words: SlotWords): readonly string[] {
    // A restarted health thread (or a server resolved at start) already holds an address: its node keeps that slot.
    if (this.#first) this.#adoptHeld(nodes);
    const plan = planSlots(this.#holdings, nodes);
    for (const step of plan.steps) {
      if (step.kind === 'empty') this.#set(step.slot, { kind: 'empty', reason: words.gone(step.was) });
      else if (step.kind === 'down') this.#set(step.slot, { kind: 'down', reason: words.down(step.node.name) });
      else {
        const { name, address, port } = step.node;
        this.#set(step.slot, { kind: 'fill', node: name, address, addrV4: ipv4Word(address), port });
      }
    }
    if (this.#first) {
      // The slots the first good answer does not fill wait in resolution maintenance from then on.
      plan.holdings.forEach((h, i) => {
        if (h.node === undefined) this.#set(i, { kind: 'empty', reason: words.unused });
      });
      this.#first = false;
    }
    this.#holdings = [...plan.holdings];
    return plan.unplaced;
  }

  /** Every slot into resolution maintenance with `reason` (a DNS failure held past its `hold`). */
  emptyAll(reason: string): void {
    this.#holdings.forEach((_, i) => this.#set(i, { kind: 'empty', reason }));
    this.#holdings = this.#holdings.map(() => ({ node: undefined }));
  }

  #adoptHeld(nodes: readonly PlacedNode[]): void {
    this.slots.forEach((s, i) => {
      const at = this.#target.slotAddress(this.#b, s);
      const node = at === undefined ? undefined : nodes.find((n) => n.address === at.address && n.port === at.port);
      if (node !== undefined && !this.#holdings.some((h) => h.node?.name === node.name)) this.#holdings[i] = { node: { ...node, alive: true } };
    });
  }

  #set(i: number, change: DiscoveryChange): void {
    const s = this.slots[i];
    if (s !== undefined) this.#target.discoverySet(this.#b, s, change);
  }
}
