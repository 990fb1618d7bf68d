// A server's address at run time (HAProxy 2.6 `set server B/S addr A [port P]`): two words of its record, written by
// the health thread (the single writer of server words), read where a connection to the server is opened (dispatch,
// the HTTP engine's idle-connection check), by the checks and by the stats. 0 in a word means "the configuration's".
// IPv4 only: a word holds one. Reading costs one or two Atomics.load per dial and allocates nothing (the text of an
// address set at run time is kept once per value). Any thread.

import type { ServerConfig } from '../../config/model.js';
import type { ServerSlot } from './server-slot.js';

/** The text of each runtime address seen by this thread (a few: an operator sets them by hand). */
const texts = new Map<number, string>();

/** `a.b.c.d` as the unsigned word stored in `addrV4` (0 for anything else, or for 0.0.0.0). Pure. */
export function ipv4Word(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return 0;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return 0;
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

function ipv4Text(word: number): string {
  let t = texts.get(word);
  if (t === undefined) {
    const w = word >>> 0;
    t = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
    texts.set(word, t);
  }
  return t;
}

/**
 * True while the server has no address at all: its name did not resolve at start (`init-addr none`) and nothing
 * (discovery, `set server … addr`) has given it one since. HAProxy shows no address for it then.
 */
export function hasNoAddress(slot: ServerSlot, srv: Pick<ServerConfig, 'unresolved'>): boolean {
  return srv.unresolved === true && slot.load('addrV4') === 0;
}

/** The server's address now: the runtime one when set, else the configuration's. */
export function serverHost(slot: ServerSlot, srv: Pick<ServerConfig, 'address'>): string {
  const word = slot.load('addrV4');
  return word === 0 ? srv.address : ipv4Text(word);
}

/** The server's port now: the runtime one when set, else the configuration's (`port`, 0 with a port offset). */
export function serverFixedPort(slot: ServerSlot, srv: Pick<ServerConfig, 'port'>): number {
  const stored = slot.load('addrPort');
  return stored === 0 ? srv.port : stored - 1;
}

/** The configuration's fields with the runtime address and port in place: what checks and dial read. */
export function withRuntimeAddress<T extends Pick<ServerConfig, 'address' | 'port'>>(slot: ServerSlot, srv: T): T {
  const word = slot.load('addrV4');
  const port = slot.load('addrPort');
  if (word === 0 && port === 0) return srv;
  return { ...srv, address: word === 0 ? srv.address : ipv4Text(word), port: port === 0 ? srv.port : port - 1 };
}
