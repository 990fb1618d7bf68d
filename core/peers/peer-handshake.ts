// The peers protocol's handshake (doc/peers-v2.0.txt §I, version 2.1 as haproxy 2.6 speaks it): the client's
// three-line hello (`HAProxyS 2.1`, the name it expects the server to have, then its own name, pid and relative
// pid) and the server's status line. The verdicts follow haproxy 2.6.12's answers (tests/peers/): another protocol
// or a line missing a field is 501, another major version 502, a wrong server name 503, an unknown client 504.
// Peers thread only.

import { PEER_MAJOR, PEER_MINOR, PEER_PROTOCOL, PeerStatus } from './peer-wire.js';

/** The longest hello read: three short lines; more without them is not a peer. */
export const MAX_HELLO_BYTES = 1024;

/** The hello a client sends to the peer named `remote`. */
export function helloText(remote: string, local: string, pid: number): string {
  return `${PEER_PROTOCOL} ${PEER_MAJOR}.${PEER_MINOR}\n${remote}\n${local} ${pid} 1\n`;
}

export type HelloVerdict =
  | { readonly kind: 'more' }
  | { readonly kind: 'refuse'; readonly status: number }
  | { readonly kind: 'accept'; readonly peer: string; readonly minor: number; readonly bytes: number };

/**
 * Reads a hello from `text` (latin1 of the bytes received so far): 'more' until its three lines are there (each
 * line is judged as soon as it is complete), then the verdict. `knows(name)` says whether a client of that name
 * is a remote peer of this section; `local` is this process's peer name.
 */
export function readHello(text: string, local: string, knows: (name: string) => boolean): HelloVerdict {
  const lines: string[] = [];
  let at = 0;
  while (lines.length < 3) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    lines.push(text.slice(at, nl));
    at = nl + 1;
  }
  const [first, second, third] = lines;
  if (first === undefined) return text.length > MAX_HELLO_BYTES ? refuse(PeerStatus.PROTOCOL_ERROR) : { kind: 'more' };
  const m = /^(\S+) (\d+)\.(\d+)$/.exec(first);
  if (m === null || m[1] !== PEER_PROTOCOL) return refuse(PeerStatus.PROTOCOL_ERROR);
  if (Number(m[2]) !== PEER_MAJOR) return refuse(PeerStatus.BAD_VERSION);
  if (second === undefined) return at > MAX_HELLO_BYTES ? refuse(PeerStatus.PROTOCOL_ERROR) : { kind: 'more' };
  if (second !== local) return refuse(PeerStatus.LOCAL_NAME_MISMATCH);
  if (third === undefined) return text.length > MAX_HELLO_BYTES ? refuse(PeerStatus.PROTOCOL_ERROR) : { kind: 'more' };
  const words = third.split(' ');
  if (words.length < 3 || words[0] === '') return refuse(PeerStatus.PROTOCOL_ERROR);
  const peer = words[0] ?? '';
  if (!knows(peer)) return refuse(PeerStatus.REMOTE_NAME_MISMATCH);
  return { kind: 'accept', peer, minor: Number(m[3]), bytes: at };
}

function refuse(status: number): HelloVerdict {
  return { kind: 'refuse', status };
}

/** The server's status line from `text`: its code, and the bytes it took; undefined until the line is complete. */
export function readStatus(text: string): { readonly status: number; readonly bytes: number } | undefined {
  const nl = text.indexOf('\n');
  if (nl < 0) return text.length > 16 ? { status: PeerStatus.PROTOCOL_ERROR, bytes: text.length } : undefined;
  const code = /^\d{3}$/.test(text.slice(0, nl)) ? Number(text.slice(0, nl)) : PeerStatus.PROTOCOL_ERROR;
  return { status: code, bytes: nl + 1 };
}
