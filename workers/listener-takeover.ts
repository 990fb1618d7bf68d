// `-sf PID` / `-st PID` (management.txt §4, "soft stop"/"hard stop" of an old process by a new one): the new orcalb
// copies the old orcalb's listening TCP sockets (pidfd_getfd, native/listener-takeover.c) and uses them as its own
// master sockets, so both processes accept from one kernel queue until the old one closes its copy: no connection
// is reset by the old process's stop. Binding a second SO_REUSEPORT socket instead (what happens for an old haproxy,
// without the addon, or without ptrace rights) splits the queue, and what waits in the old socket's part when it
// closes is reset (measured in tests/regressions/issue-0015-sf-takeover). Then, once ready, the old processes are
// told to finish (SIGUSR1) or stop (SIGTERM). Main thread, at start only.

import { closeSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { Logger } from '../core/log.js';
import { errnoCode, type NativeAddon } from '../core/native-addon.js';

/** The listening sockets taken from older processes, by address: each is used once as a master socket, in order. */
export class InheritedListeners {
  private readonly byAddress = new Map<string, number[]>();

  /** Adds a taken socket (this process's fd now). */
  add(address: string, port: number, fd: number): void {
    const key = addressKey(address, port);
    const list = this.byAddress.get(key) ?? [];
    list.push(fd);
    this.byAddress.set(key, list);
  }

  /** How many taken sockets are not used yet. */
  get size(): number {
    let n = 0;
    for (const list of this.byAddress.values()) n += list.length;
    return n;
  }

  /** The next taken socket listening on address:port (numeric), now the caller's; undefined when none is left. */
  take(address: string, port: number): number | undefined {
    return this.byAddress.get(addressKey(address, port))?.shift();
  }

  /** Closes what no bind line used (an address the new configuration dropped); returns how many. */
  closeRest(): number {
    let n = 0;
    for (const list of this.byAddress.values()) {
      for (const fd of list.splice(0)) {
        n++;
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
    }
    return n;
  }
}

/**
 * Takes the listening TCP sockets of every old PID that is an orcalb (its process name says so: an old haproxy
 * shuts its listeners down on SIGUSR1, which would stop them for us too). A PID that is gone, not orcalb, or out
 * of reach (EPERM) is logged and left to SO_REUSEPORT. Never throws.
 */
export function takeListeners(pids: readonly number[], addon: NativeAddon | undefined, logger: Logger): InheritedListeners {
  const out = new InheritedListeners();
  const open = addon?.pidfdOpen;
  const getfd = addon?.pidfdGetfd;
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const name = readProc(`/proc/${pid}/comm`)?.trim();
    if (name === undefined) continue;
    if (name !== 'orcalb' || open === undefined || getfd === undefined) {
      const why = name !== 'orcalb' ? `it is '${name}', not orcalb` : 'the native addon is older than pidfd support';
      logger.log('notice', `-sf/-st: not taking the listeners of process ${pid} (${why}): binding beside them (SO_REUSEPORT)`);
      continue;
    }
    const listening = listeningInodes(pid);
    let pidfd: number;
    try {
      pidfd = open(pid);
    } catch (e) {
      logger.log('notice', `-sf/-st: process ${pid}: ${errnoCode(e) ?? String(e)}; binding beside it (SO_REUSEPORT)`);
      continue;
    }
    try {
      const seen = new Set<string>();
      let taken = 0;
      for (const { fd, inode } of socketFds(pid)) {
        const where = listening.get(inode);
        if (where === undefined || seen.has(inode)) continue;
        seen.add(inode);
        try {
          out.add(where.address, where.port, getfd(pidfd, fd));
          taken++;
        } catch (e) {
          logger.log('notice', `-sf/-st: cannot take fd ${fd} of process ${pid} (${errnoCode(e) ?? String(e)}): binding beside it`);
        }
      }
      if (taken > 0) logger.log('notice', `-sf/-st: took ${taken} listening socket(s) over from process ${pid}`);
    } finally {
      closeSync(pidfd);
    }
  }
  return out;
}

/** The listening TCP sockets of `pid`'s network namespace: inode → local address (/proc/PID/net/tcp, tcp6). */
function listeningInodes(pid: number): Map<string, { address: string; port: number }> {
  const out = new Map<string, { address: string; port: number }>();
  for (const file of ['tcp', 'tcp6']) {
    const lines = readProc(`/proc/${pid}/net/${file}`)?.split('\n').slice(1) ?? [];
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode; 0A is TCP_LISTEN.
      const [local, state, inode] = [f[1], f[3], f[9]];
      if (local === undefined || state !== '0A' || inode === undefined) continue;
      const [hex, portHex] = local.split(':');
      if (hex === undefined || portHex === undefined) continue;
      out.set(inode, { address: procAddress(hex), port: parseInt(portHex, 16) });
    }
  }
  return out;
}

/** /proc's address: 32-bit words in host (little-endian) order, 1 word for IPv4, 4 for IPv6. */
function procAddress(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w + 8 <= hex.length; w += 8) {
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(hex.slice(w + b, w + b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/** One key per address whatever its spelling (IPv6 expanded to 8 groups). Pure. */
export function addressKey(address: string, port: number): string {
  if (!isIPv6(address)) return `${address}:${port}`;
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const mid = address.includes('::') ? Array<string>(8 - h.length - t.length).fill('0') : [];
  return `[${[...h, ...mid, ...t].map((g) => parseInt(g, 16).toString(16)).join(':')}]:${port}`;
}

function* socketFds(pid: number): Generator<{ fd: number; inode: string }> {
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return;
  }
  for (const name of names) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m?.[1] !== undefined) yield { fd: Number(name), inode: m[1] };
  }
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * After the new orcalb is ready: SIGUSR1 (soft stop, `-sf`) or SIGTERM (hard stop, `-st`) to each old PID, as
 * HAProxy sends them. A PID already gone is skipped silently (HAProxy ignores ESRCH too).
 */
export function stopOldProcesses(pids: readonly number[], how: 'soft' | 'hard', logger: Logger): void {
  const sig = how === 'soft' ? 'SIGUSR1' : 'SIGTERM';
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, sig);
    } catch (e) {
      if (errnoCode(e) !== 'ESRCH') logger.log('warning', `cannot send ${sig} to process ${pid}: ${String(e)}`);
    }
  }
}
