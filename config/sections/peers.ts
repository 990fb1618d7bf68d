// The `peers` section (manual §3.5): `peer NAME ADDR:PORT`, `bind ADDR:PORT` + `server NAME [ADDR:PORT]` (the
// 2.x form where the local peer listens on the section's bind), `default-server`, `disabled`, `table NAME …` (a
// stick table named `SECTION/NAME`, replicated by the section: its rules name it so, `track-sc0 src table mesh/t1`),
// with HAProxy 2.6.12's texts (checked with `haproxy -c`). Which peer is the local one is only known once the
// command line's -L, `localpeer` and the host name are weighed (finishPeers). Main thread, config parsing.

import { hostname } from 'node:os';
import { splitAddress } from '../address.js';
import type { Diagnostics } from '../diagnostics.js';
import { parseTableArgs } from '../keywords/stick-table.js';
import type { PeerConfig, PeersConfig, SourceRef, StickTableConfig } from '../model.js';
import type { ConfigLine } from '../tokenize.js';

/** A `peers` section being parsed. */
export interface PeersDraft {
  readonly name: string;
  readonly source: SourceRef;
  disabled: boolean;
  bind: { host: string; port: number } | undefined;
  readonly peers: { name: string; host: string; port: number; source: SourceRef }[];
  /** Its `table` lines: tables named `SECTION/NAME`, each replicated by this section. */
  readonly tables: StickTableConfig[];
}

/** Opens a `peers NAME` section; undefined (lines skipped) without a name or for a duplicate. */
export function openPeers(line: ConfigLine, existing: readonly PeersDraft[], diag: Diagnostics): PeersDraft | undefined {
  const name = line.args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'peers' expects <name> as argument.", line.source);
    return undefined;
  }
  const previous = existing.find((p) => p.name === name);
  if (previous !== undefined) {
    diag.error(
      'ORCA_CONFIG_SYNTAX',
      `'peers' section '${name}' has the same name as another peers section declared at ${previous.source.file}:${previous.source.line}.`,
      line.source,
    );
    return undefined;
  }
  return { name, source: line.source, disabled: false, bind: undefined, peers: [], tables: [] };
}

/** `ADDR:PORT` into host and port, or HAProxy's complaint. */
function hostPort(word: string): { host: string; port: number } | string {
  const a = splitAddress(word);
  if (a.kind !== 'inet') return `invalid address '${word}'`;
  const port = Number(a.port);
  if (a.port === undefined || !/^\d+$/.test(a.port) || port < 1 || port > 65535) return `missing or invalid port in '${word}'`;
  return { host: a.host === '' || a.host === '*' ? '0.0.0.0' : a.host, port };
}

/** One line of a peers section. */
export function parsePeersLine(draft: PeersDraft, line: ConfigLine, diag: Diagnostics): void {
  const [keyword = '', name = '', addr, ...options] = line.args;
  const at = line.source;
  switch (keyword) {
    case 'peer':
    case 'server': {
      if (name === '') return void diag.error('ORCA_CONFIG_SYNTAX', `'${keyword}' expects <name> and <addr>[:<port>] as arguments.`, at);
      const dup = draft.peers.find((p) => p.name === name);
      if (dup !== undefined) {
        return void diag.error('ORCA_CONFIG_SYNTAX', `'${keyword} ${name}' : local peer name already referenced at ${dup.source.file}:${dup.source.line}.`, at);
      }
      // `server NAME` without an address is the local peer of a section with `bind` (HAProxy 2.x).
      let where: { host: string; port: number } = { host: '', port: 0 };
      if (addr !== undefined) {
        const parsed = hostPort(addr);
        if (typeof parsed === 'string') return void diag.error('ORCA_CONFIG_SYNTAX', `'${keyword} ${name}' : ${parsed}.`, at);
        where = parsed;
      } else if (keyword === 'peer') {
        diag.warn(`'peer ${name}' has no address: it is never connected to.`, at);
      }
      if (options.includes('ssl')) diag.notImplemented('peers ... ssl', at);
      else if (options.length > 0) diag.notImplemented('peers ... server options', at, 'ignored', { shown: `${keyword} ${name} ${options.join(' ')}` });
      draft.peers.push({ name, ...where, source: at });
      return;
    }
    case 'bind': {
      if (name === '') return void diag.error('ORCA_CONFIG_SYNTAX', "'bind' expects <addr>:<port> as argument.", at);
      const parsed = hostPort(name);
      if (typeof parsed === 'string') return void diag.error('ORCA_CONFIG_SYNTAX', `'bind' : ${parsed}.`, at);
      if (addr !== undefined) diag.notImplemented(addr === 'ssl' || options.includes('ssl') ? 'peers ... ssl' : 'peers ... bind options', at);
      draft.bind = parsed;
      return;
    }
    case 'default-server':
      // Server options for every peer (ssl among them): judged as the peer lines' own options.
      if (line.args.includes('ssl')) diag.notImplemented('peers ... ssl', at);
      else if (line.args.length > 1) diag.notImplemented('peers ... server options', at, 'ignored', { shown: line.args.join(' ') });
      return;
    case 'disabled':
      draft.disabled = true;
      return;
    case 'table': {
      if (name === '') return void diag.error('ORCA_CONFIG_SYNTAX', "'table' expects a table name as argument.", at);
      const full = `${draft.name}/${name}`;
      const dup = draft.tables.find((t) => t.name === full);
      if (dup !== undefined) {
        return void diag.badValue(`stick-table name '${full}' conflicts with table declared at ${dup.source.file}:${dup.source.line}.`, at);
      }
      const table = parseTableArgs(line.args, 2, full, at, diag);
      if (table !== undefined) draft.tables.push({ ...table, peers: draft.name });
      return;
    }
    default:
      diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown keyword '${keyword}' in 'peers' section`, at, { found: keyword });
  }
}

/**
 * The sections that replicate: each must hold a peer named `localName` (`-L`, then `localpeer`, then the host name);
 * one that does not is dropped with HAProxy 2.6's warning, as is a `disabled` one. Tables naming a dropped section
 * stay local (HAProxy detaches them too).
 */
export function finishPeers(drafts: readonly PeersDraft[], localName: string | undefined, diag: Diagnostics): PeersConfig[] {
  const name = localName ?? hostname();
  const out: PeersConfig[] = [];
  for (const d of drafts) {
    if (d.disabled) continue;
    const local = d.peers.find((p) => p.name === name);
    if (local === undefined) {
      diag.warn(`Removing incomplete section 'peers ${d.name}' (no peer named '${name}').`, d.source);
      continue;
    }
    const listen = local.port !== 0 ? { host: local.host, port: local.port } : d.bind;
    const peers: PeerConfig[] = d.peers.map((p) => ({ name: p.name, source: p.source, host: p.host, port: p.port, local: p === local }));
    out.push({ name: d.name, source: d.source, localName: name, listen, peers });
  }
  return out;
}
