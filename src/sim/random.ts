// Small helpers over a uniform random source, so simulations can be made repeatable with a seed.
/** A source of uniform random numbers in [0, 1), like Math.random. */
export type Random = () => number;

/** A fast deterministic generator (mulberry32): the same seed gives the same leads, for tests and reproducible demos. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True with the given probability. */
export function chance(probability: number, random: Random = Math.random): boolean {
  return random() < probability;
}

/** A uniform integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error("cannot pick from an empty list");
  return items[Math.floor(random() * items.length)]!;
}

/** Picks by weight: `pickWeighted(r, [["a", 3], ["b", 1]])` returns "a" three times as often as "b". */
export function pickWeighted<T>(random: Random, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let point = random() * total;
  for (const [item, weight] of weighted) {
    point -= weight;
    if (point < 0) return item;
  }
  return weighted[weighted.length - 1]![0];
}

export function randomHex(random: Random, length: number): string {
  let hex = "";
  for (let i = 0; i < length; i++) hex += Math.floor(random() * 16).toString(16);
  return hex;
}
