// A seeded pseudo-random generator for fuzz and robustness tests: mulberry32, small and reproducible, so a failing
// case can be replayed from its seed. Not for anything that needs real randomness.

/** Returns a function yielding floats in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
