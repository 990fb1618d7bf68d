// The `server_key` data type on the peers wire (HAProxy 2.6 §4.2 stick-table `srvkey`, doc/peers-v2.0.txt's
// dictionary entries): haproxy 2.6 sends, beside an entry's server_id, the server's name as a dictionary entry and,
// on `stick match`, finds the server by that name, so two balancers whose backends list or number their servers
// differently still agree. orcalb keeps a server by its id (position + 1 in the backend whose stick rules use the
// table): this module maps ids to names and back for one table, and encodes the names. Peers thread; built once.

import type { Config } from '../../config/model.js';
import { WireWriter } from './peer-wire.js';

/** HAProxy's per-peer dictionary cache holds this many names: ids above it are not taken by a receiving haproxy. */
const DICT_IDS = 128;

/** One table's servers: the dictionary entry each id is sent as, and each name's local id. */
export interface ServerKeys {
  /** entries[id - 1]: the encoded entry (length, dictionary id, name length, name) for server id `id`. */
  readonly entries: readonly Uint8Array[];
  readonly idOf: ReadonlyMap<string, number>;
}

/**
 * For each stick table used by a backend's stick rules, that backend's servers (the first such backend: a server id
 * means a position in it, core/stick/persistence.ts). Tables no stick rule uses are absent.
 */
export function serverKeysByTable(config: Config): Map<string, ServerKeys> {
  const tables = config.stickTables ?? [];
  const out = new Map<string, ServerKeys>();
  for (const be of config.backends) {
    for (const rule of be.stickRules ?? []) {
      const name = tables[rule.table]?.name;
      if (name === undefined || out.has(name)) continue;
      out.set(name, serverKeys(be.servers.map((s) => s.name)));
    }
  }
  return out;
}

/**
 * The entries for `names` (server id i + 1 is names[i]). Every entry carries its name, not only the first use of
 * its id: one batch goes to every session, and a receiver that already knows the id just reads the name again.
 */
export function serverKeys(names: readonly string[]): ServerKeys {
  const w = new WireWriter();
  const entries = names.map((name, i) => {
    const value = Buffer.from(name, 'utf8');
    w.reset();
    w.varint((i % DICT_IDS) + 1);
    w.varint(value.length);
    w.raw(value);
    const body = w.bytes().slice();
    w.reset();
    w.varint(body.length);
    w.raw(body);
    return w.bytes().slice();
  });
  return { entries, idOf: new Map(names.map((n, i) => [n, i + 1])) };
}
