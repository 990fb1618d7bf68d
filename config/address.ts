// Splits HAProxy address words (`10.0.0.80:8802`, `*:8080`, `:::8081`, `[::1]:80`, `ipv6@::1:80`, `:80-82`)
// into host and port parts, the way str2sa_range() reads them for `bind` and `server` lines (manual §4.2 "bind",
// §5.2 "server"). Host names are kept as written; config/resolve-addresses.ts turns them into IPs. Main thread.

import { isIP } from 'node:net';

export type SplitAddress =
  | {
      readonly kind: 'inet';
      /** Host as written, brackets removed; '' when the word starts with ':' (bind: any address). */
      readonly host: string;
      /** The text after the port separator; undefined when there is none. */
      readonly port: string | undefined;
    }
  | { readonly kind: 'unsupported'; readonly family: string };

/** Prefixes that only force the family of an IP address; orcalb infers the family from the address itself. */
const INET_PREFIXES = ['ipv4@', 'ipv6@', 'tcp@', 'tcp4@', 'tcp6@'];

/**
 * Splits one address word. Unix sockets, `fd@`, `abns@`, `sockpair@`, UDP and QUIC addresses come back as
 * 'unsupported' (HAProxy accepts them; orcalb forwards TCP over IP only). Pure; never throws.
 */
export function splitAddress(word: string): SplitAddress {
  let text = word;
  const prefix = INET_PREFIXES.find((p) => text.startsWith(p));
  if (prefix !== undefined) text = text.slice(prefix.length);
  else if (text.startsWith('/') || /^[a-z0-9]+@/.test(text)) {
    return { kind: 'unsupported', family: text.startsWith('/') ? 'unix' : (text.split('@')[0] ?? '') };
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close > 0) {
      const rest = text.slice(close + 1);
      const host = text.slice(1, close);
      if (rest === '') return { kind: 'inet', host, port: undefined };
      if (rest.startsWith(':')) return { kind: 'inet', host, port: rest.slice(1) };
    }
    return { kind: 'inet', host: text, port: undefined };
  }
  // The last colon separates the port, so `:::8081` is `::` port 8081 and `::1:81` is `::1` port 81 (as HAProxy).
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { kind: 'inet', host: text, port: undefined };
  return { kind: 'inet', host: text.slice(0, colon), port: text.slice(colon + 1) };
}

export type PortRange =
  | { readonly kind: 'ok'; readonly low: number; readonly high: number }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'bad-range' }
  | { readonly kind: 'offset' };

/** Reads `80`, `8080-8082`, or a `+N`/`-N` offset (server lines only; orcalb does not support offsets). */
export function parsePortRange(text: string): PortRange {
  if (/^[+-]\d+$/.test(text)) return { kind: 'offset' };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (m === null) return { kind: 'invalid' };
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low < 1 || low > 65535) return { kind: 'invalid' };
  if (high < low || high > 65535) return { kind: 'bad-range' };
  return { kind: 'ok', low, high };
}

/** True for a literal IPv4 or IPv6 address (no DNS needed). */
export function isNumericHost(host: string): boolean {
  return isIP(host) !== 0;
}
