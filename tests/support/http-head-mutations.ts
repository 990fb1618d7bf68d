// Seeded mutations of HTTP/1 heads for the parser fuzz and differential tests (tests/http1/): byte flips, inserts,
// deletions, repeats, truncations and splices with another seed, drawing the bytes parsers decide on more often than
// uniform noise. Test thread only; deterministic for a given generator.

/** Bytes that sit on parser decisions (CR, LF, blanks, ':', ',', ';', NUL, DEL, high bytes, '#', digits, hex, '/'). */
export const INTERESTING_BYTES: readonly number[] = [
  0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x2c, 0x3b, 0x00, 0x7f, 0x80, 0xff, 0x23, 0x30, 0x39, 0x61, 0x66, 0x2f,
];

/**
 * `src` with 1–8 random edits drawn from `r` (a tests/support/prng.ts generator); a splice takes the tail of one of
 * `seeds`. The same generator state gives the same mutation.
 */
export function mutateHead(src: Buffer, r: () => number, seeds: readonly Buffer[]): Buffer {
  let bytes = Array.from(src);
  const n = 1 + Math.floor(r() * 8);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (bytes.length + 1));
    const pick = r();
    const byte = r() < 0.6 ? (INTERESTING_BYTES[Math.floor(r() * INTERESTING_BYTES.length)] ?? 0) : Math.floor(r() * 256);
    if (pick < 0.3) bytes[at] = byte;
    else if (pick < 0.55) bytes.splice(at, 0, byte);
    else if (pick < 0.75) bytes.splice(at, 1 + Math.floor(r() * 8));
    else if (pick < 0.85) bytes.splice(at, 0, ...bytes.slice(at, at + 1 + Math.floor(r() * 40)));
    else if (pick < 0.93) bytes = bytes.slice(0, at);
    else {
      const other = seeds[Math.floor(r() * seeds.length)] ?? src;
      bytes = bytes.slice(0, at).concat(Array.from(other.subarray(Math.floor(r() * other.length))));
    }
  }
  return Buffer.from(bytes);
}
