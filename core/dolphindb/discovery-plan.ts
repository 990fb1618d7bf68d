// Which server-template slot holds which DolphinDB node (dolphindb-discovery, issue 16): given what each slot holds
// now and the nodes the controller reports, the steps that bring the slots in line. A node keeps its slot for as
// long as the controller lists it (its sessions and counters stay with one server name); a new node takes the first
// empty slot; a node reported down keeps its slot in maintenance; a node gone leaves its slot empty. Nodes past the
// last slot are returned, never dropped silently. Pure; runs on the health-check thread.

/** A node with the address it resolved to (IPv4 only: a server's runtime address is one word). */
export interface PlacedNode {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly alive: boolean;
}

/** What a slot holds now: nothing (RMAINT, no address) or a node, taking traffic or held down. */
export type SlotHolding = { readonly node: undefined } | { readonly node: PlacedNode };

/** One change to one slot (an index into the template's slots). */
export type SlotStep =
  /** The node goes in (new, moved address, or back alive): address set, checks start, traffic after `rise`. */
  | { readonly slot: number; readonly kind: 'fill'; readonly node: PlacedNode }
  /** The controller reports the node down: maintenance, with that reason; the slot stays the node's. */
  | { readonly slot: number; readonly kind: 'down'; readonly node: PlacedNode }
  /** The node left the cluster: the slot is emptied (maintenance, no node). */
  | { readonly slot: number; readonly kind: 'empty'; readonly was: string };

export interface DiscoveryPlan {
  readonly steps: readonly SlotStep[];
  /** What each slot holds once the steps are applied. */
  readonly holdings: readonly SlotHolding[];
  /** Nodes no slot was left for, in the controller's order. */
  readonly unplaced: readonly string[];
}

/**
 * The steps from `holdings` (one per template slot, in slot order) to `nodes` (the controller's list, unique
 * names). Pure; allocates the result only.
 */
export function planSlots(holdings: readonly SlotHolding[], nodes: readonly PlacedNode[]): DiscoveryPlan {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const next: SlotHolding[] = [...holdings];
  const steps: SlotStep[] = [];
  const placed = new Set<string>();
  holdings.forEach((h, slot) => {
    if (h.node === undefined) return;
    const now = byName.get(h.node.name);
    if (now === undefined) {
      steps.push({ slot, kind: 'empty', was: h.node.name });
      next[slot] = { node: undefined };
      return;
    }
    placed.add(now.name);
    next[slot] = { node: now };
    const moved = now.address !== h.node.address || now.port !== h.node.port;
    if (!now.alive && (h.node.alive || moved)) steps.push({ slot, kind: 'down', node: now });
    else if (now.alive && (!h.node.alive || moved)) steps.push({ slot, kind: 'fill', node: now });
  });
  const unplaced: string[] = [];
  for (const node of nodes) {
    if (placed.has(node.name)) continue;
    const slot = next.findIndex((h) => h.node === undefined);
    if (slot < 0) {
      unplaced.push(node.name);
      continue;
    }
    next[slot] = { node };
    steps.push(node.alive ? { slot, kind: 'fill', node } : { slot, kind: 'down', node });
  }
  return { steps, holdings: next, unplaced };
}
