// IP address literals ↔ network-order bytes, printed exactly as glibc's inet_ntop prints them (HAProxy's PROXY v1 text).
// Used by the PROXY protocol encoders and parser (HAProxy doc/proxy-protocol.txt §2.1, §2.2); pure, any thread.
// Node prints addresses with libuv's own inet_ntop, which differs from glibc on a few IPv6 forms (`::2`), so encoders
// re-print every address through formatIPv6 below instead of trusting socket.remoteAddress as text.

/** Parses a dotted quad as inet_pton(AF_INET) does (4 decimal parts, 0-255, no leading zeros). undefined if not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    // glibc rejects "01": a leading zero would read as octal in the old inet_aton, so it is refused outright.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * Parses an IPv6 literal as inet_pton(AF_INET6) does: hex groups, one `::`, an optional dotted-quad tail.
 * A `%zone` suffix (link-local scope, as Node reports it) is dropped: the PROXY protocol has no field for it.
 */
export function parseIPv6(text: string): Uint8Array | undefined {
  const pct = text.indexOf('%');
  const s = pct >= 0 ? text.slice(0, pct) : text;
  if (s.length === 0 || s.length > 45) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const words = head.length + tail.length;
  // Without `::` the address must fill all 8 words; with it, `::` stands for at least one zero word.
  if (halves.length === 1 ? words !== 8 : words > 7) return undefined;
  const out = new Uint8Array(16);
  head.forEach((w, i) => writeWord(out, i, w));
  tail.forEach((w, i) => writeWord(out, 8 - tail.length + i, w));
  return out;
}

/** Hex groups of one side of `::`; a dotted quad is allowed only as the very last group (`allowV4Tail`). */
function parseGroups(part: string, allowV4Tail: boolean): number[] | undefined {
  if (part === '') return [];
  const groups = part.split(':');
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] ?? '';
    if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
      const v4 = parseIPv4(g);
      if (v4 === undefined) return undefined;
      words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(parseInt(g, 16));
  }
  return words;
}

function writeWord(out: Uint8Array, index: number, word: number): void {
  out[index * 2] = word >> 8;
  out[index * 2 + 1] = word & 0xff;
}

/** Dotted-quad text of 4 bytes at `offset`. */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/**
 * IPv6 text of 16 bytes at `offset`, the way glibc inet_ntop writes it: lowercase, no leading zeros, the longest run
 * (first on ties) of two or more zero words as `::`, and a dotted tail only for `::a.b.c.d` and `::ffff:a.b.c.d`.
 */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[offset + i * 2] ?? 0) << 8) | (bytes[offset + i * 2 + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  // A single zero word is written as "0", never as "::" (RFC 5952 §4.2.2, and glibc agrees).
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return out + formatIPv4(bytes, offset + 12);
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** `::ffff:a.b.c.d` as 16 bytes: how HAProxy widens an IPv4 address when the other one is IPv6. */
export function ipv4MappedBytes(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4.subarray(0, 4), 12);
  return out;
}

/** The IPv4 address inside `::ffff:a.b.c.d`, or undefined for any other IPv6 address. */
export function unmapIPv4(v6: Uint8Array): Uint8Array | undefined {
  for (let i = 0; i < 10; i++) if (v6[i] !== 0) return undefined;
  if (v6[10] !== 0xff || v6[11] !== 0xff) return undefined;
  return v6.slice(12, 16);
}
