// Splits HAProxy address words (`10.0.0.80:8802`, `*:8080`, `:::8081`, `[::1]:80`, `ipv6@::1:80`, `:80-82`, and the
// UNIX socket paths `/run/lb.sock` and `unix@lb.sock`) into host and port parts or a path, the way str2sa_range() reads them for `bind` and `server` lines (manual §4.2 "bind",
// §5.2 "server"). Host names are kept as written; config/resolve-addresses.ts turns them into IPs. IP literals and
// `<address>[/mask]` networks are core/net's. Main thread.

import { ipFamily } from '../core/net/ip-address.js';

export type SplitAddress =
  | {
      readonly kind: 'inet';
      /** Host as written, brackets removed; '' when the word starts with ':' (bind: any address). */
      readonly host: string;
      /** The text after the port separator; undefined when there is none. */
      readonly port: string | undefined;
    }
  /** A UNIX stream socket (`/path` or `unix@path`; the path as written, relative ones included). */
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'unsupported'; readonly family: string };

/** Prefixes that only force the family of an IP address; orcalb infers the family from the address itself. */
const INET_PREFIXES = ['ipv4@', 'ipv6@', 'tcp@', 'tcp4@', 'tcp6@'];

/**
 * Splits one address word. `/path` and `unix@path` are 'unix'; `fd@`, `abns@`, `sockpair@`, UDP and QUIC addresses
 * come back as 'unsupported' (HAProxy accepts them; orcalb does not open them). Pure; never throws.
 */
export function splitAddress(word: string): SplitAddress {
  let text = word;
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  if (text.startsWith('unix@')) return { kind: 'unix', path: text.slice('unix@'.length) };
  const prefix = INET_PREFIXES.find((p) => text.startsWith(p));
  if (prefix !== undefined) text = text.slice(prefix.length);
  else if (/^[a-z0-9]+@/.test(text)) return { kind: 'unsupported', family: text.split('@')[0] ?? '' };
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

/**
 * Expands `$NAME` and `${NAME}` anywhere in an address word, as HAProxy 2.6 does for every address it parses
 * (bind, server, `addr`, log targets) whatever the word's quoting: `bind *:${PORT}` and `bind '*:$PORT'` both
 * work. HAProxy's rule, observed on 2.6.12: after the `$` (and an optional `{`) the name is the run of letters,
 * digits and `_` that follows, a `}` right after it is consumed, and an unset name expands to nothing; there is
 * no `${NAME-default}` form here (that one exists only inside double quotes, config/tokenize.ts). Pure.
 */
export function expandAddressEnv(word: string, env: Readonly<Record<string, string | undefined>>): string {
  if (!word.includes('$')) return word;
  return word.replace(/\$(\{?)([A-Za-z0-9_]*)(\}?)/g, (_all, brace: string, name: string, close: string) => {
    const value = env[name] ?? '';
    // Without an opening brace a following `}` is ordinary text, kept as written.
    return brace === '' ? value + close : value;
  });
}

export type PortRange =
  | { readonly kind: 'ok'; readonly low: number; readonly high: number }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'bad-range' }
  | { readonly kind: 'offset' };

/** Reads `80`, `8080-8082`, or a `+N`/`-N` offset (server lines only: see parsePortOffset). */
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

/**
 * A server's `+N` / `-N` port: the port the client connected to, plus N (§5.2 server, "port offsets"). Undefined when
 * `text` is not an offset or moves by more than a port range can. Pure.
 */
export function parsePortOffset(text: string): number | undefined {
  const m = /^([+-])(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const n = Number(m[2]);
  if (n > 65535) return undefined;
  return m[1] === '-' ? -n : n;
}

/** True for a literal IPv4 or IPv6 address (no DNS needed), as Node's net.isIP reads it (core/net/ip-address.ts). */
export function isNumericHost(host: string): boolean {
  return ipFamily(host) !== 0;
}
