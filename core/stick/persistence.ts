// Stickiness by table (§4.2 "stick match", "stick on", "stick store-request", "stick store-response"): the server
// a key was last served by, kept as its id (position + 1 in its backend: orcalb has no `server … id` yet, so ids
// are HAProxy's defaults) in the entry's server_id. Dispatch calls stickyServer() before balancing and, once a
// server took the request, PendingStores.commit(). Forwarder threads, per request: allocation-free after the
// PendingStores of a connection is built.

import { stickNow } from './stick-clock.js';
import type { StickTables } from './stick-tables.js';

/**
 * `stick match` on the key already written into table `table`'s key words: the index, in the backend of
 * `serverCount` servers, of the server stored for it, or -1 (no entry, no server stored, or an id past the
 * backend's servers). A match touches the entry (its expiry restarts), as HAProxy's does. Whether that server may
 * take the request (UP, or down with `option persist`) is the caller's choice, as for cookie persistence.
 */
export function stickyServer(tables: StickTables, table: number, serverCount: number, now = stickNow()): number {
  const store = tables.store(table);
  const slot = store.lookup(now);
  if (slot < 0) return -1;
  const stamp = store.foundStamp;
  const id = store.loadSint(slot, tables.fieldsOf(table).serverId.field);
  if (!store.isCurrent(slot, stamp)) return -1;
  store.touch(slot, now);
  return id >= 1 && id <= serverCount ? id - 1 : -1;
}

/**
 * `stick store-request` / `store-response`: the key already written into table `table`'s key words now names
 * server `serverIndex` (0-based in its backend): the entry is created if needed (purging the oldest when full, as
 * HAProxy does), its server_id set, its expiry restarted. False when no entry could be had.
 */
export function storeSticky(tables: StickTables, table: number, serverIndex: number, now = stickNow()): boolean {
  const store = tables.store(table);
  const slot = store.acquire(now);
  if (slot < 0) return false;
  store.storeWord(slot, tables.fieldsOf(table).serverId.field, serverIndex + 1);
  store.release();
  return true;
}

/** HAProxy keeps at most 8 stores per request (§4.2 stick store-request: "a limit of 8 simultaneous stores"). */
export const MAX_STORES = 8;

/**
 * The keys the `stick store-*` rules of one request extracted, kept until a server is known: only the first rule of
 * each table stores (later ones for the same table are skipped, their conditions not evaluated), at most 8 in all.
 * One per connection, reused for each request.
 */
export class PendingStores {
  private readonly tables: StickTables;
  private readonly table = new Int32Array(MAX_STORES);
  private readonly keys: Int32Array[];
  private readonly keyLens = new Int32Array(MAX_STORES);
  private n = 0;

  constructor(tables: StickTables) {
    this.tables = tables;
    const widest = Math.max(1, ...tables.stores.map((s) => s.layout.keyWords));
    this.keys = Array.from({ length: MAX_STORES }, () => new Int32Array(widest));
  }

  /** True when a store for `table` is already pending: the rule is skipped, its condition not evaluated. */
  has(table: number): boolean {
    for (let i = 0; i < this.n; i++) if (this.table[i] === table) return true;
    return false;
  }

  /** Keeps the key now in table `table`'s key words. False when 8 stores are pending or the table has one. */
  add(table: number): boolean {
    if (this.n >= MAX_STORES || this.has(table)) return false;
    const store = this.tables.store(table);
    const key = this.keys[this.n];
    if (key === undefined) return false;
    key.set(store.key);
    this.keyLens[this.n] = store.keyLen;
    this.table[this.n++] = table;
    return true;
  }

  /** A server took the request: every pending key now names it. Clears the list. */
  commit(serverIndex: number, now = stickNow()): void {
    for (let i = 0; i < this.n; i++) {
      const table = this.table[i] ?? 0;
      const store = this.tables.store(table);
      store.key.set((this.keys[i] ?? store.key).subarray(0, store.key.length));
      store.keyLen = this.keyLens[i] ?? 0;
      storeSticky(this.tables, table, serverIndex, now);
    }
    this.n = 0;
  }

  /** The request ended without a server (or the server is `non-stick`): nothing is stored. */
  clear(): void {
    this.n = 0;
  }
}
