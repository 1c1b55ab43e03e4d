// The live numbers' latency histogram: fixed log-spaced buckets, so histograms of several instances merge by adding
// counts, and a percentile of the merged buckets is within the bucket resolution of the exact percentile of all the
// answers together (where averaging each instance's percentiles is not).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BUCKET_GROWTH, LatencyHistogram } from "../../src/console/latency-histogram.ts";

/** The sorted list's element at floor(q * n): how the dashboard reads an exact percentile. */
function exactPercentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A reproducible spread of answer times (a small LCG), from `lowMs` up to `lowMs * span`, log-uniform. */
function answerTimes(count: number, lowMs: number, span: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return lowMs * span ** (state / 2 ** 31);
  });
}

function assertWithinResolution(actual: number | null, exact: number, label: string): void {
  assert.ok(actual !== null, `${label}: a value`);
  const ratio = actual / exact;
  assert.ok(
    ratio <= BUCKET_GROWTH && ratio >= 1 / BUCKET_GROWTH,
    `${label}: ${actual} is within a bucket (×${BUCKET_GROWTH}) of the exact ${exact}`,
  );
}

describe("latency histogram", () => {
  test("no answers: no percentiles", () => {
    assert.equal(new LatencyHistogram().percentile(0.5), null);
    assert.equal(LatencyHistogram.merged([]).percentile(0.99), null);
  });

  test("one instance: p50 and p99 within the bucket resolution of the exact values", () => {
    const samples = answerTimes(5_000, 2, 500, 7);
    const histogram = LatencyHistogram.of(samples);
    assert.equal(histogram.count, samples.length);
    for (const q of [0.5, 0.9, 0.99]) {
      assertWithinResolution(histogram.percentile(q), exactPercentile(samples, q), `p${q * 100}`);
    }
  });

  test("merged instances: percentiles of all answers together, not the average of each instance's", () => {
    // A is fast and busy, B slow and quiet: the averaged p50 would be far off.
    const fast = answerTimes(9_000, 3, 4, 11);
    const slow = answerTimes(1_000, 200, 5, 23);
    const wire = [LatencyHistogram.of(fast).toBuckets(), LatencyHistogram.of(slow).toBuckets()];
    // The buckets travel as JSON between instances.
    const merged = LatencyHistogram.merged(JSON.parse(JSON.stringify(wire)));
    const all = [...fast, ...slow];
    assert.equal(merged.count, all.length);
    for (const q of [0.5, 0.9, 0.99]) {
      assertWithinResolution(merged.percentile(q), exactPercentile(all, q), `merged p${q * 100}`);
    }
    const averagedP50 = (exactPercentile(fast, 0.5) + exactPercentile(slow, 0.5)) / 2;
    assert.ok(averagedP50 > 10 * exactPercentile(all, 0.5), "the average of percentiles is the wrong answer");
  });

  test("merging adds counts bucket by bucket; malformed buckets from another instance are ignored", () => {
    const a = LatencyHistogram.of([1, 1, 10]);
    const b = LatencyHistogram.of([1, 100]);
    const merged = LatencyHistogram.merged([
      a.toBuckets(),
      b.toBuckets(),
      [
        [-1, 5],
        [1.5, 2],
        [1e9, 1],
        [3, -4],
      ],
    ]);
    assert.equal(merged.count, 5);
    assertWithinResolution(merged.percentile(0.5), 1, "p50");
    assertWithinResolution(merged.percentile(0.99), 100, "p99");
  });

  test("extremes: zero lands in the lowest bucket, an answer past a minute in the highest", () => {
    const histogram = LatencyHistogram.of([0, 0.01, 120_000]);
    assert.ok(histogram.percentile(0)! <= 0.05);
    assertWithinResolution(histogram.percentile(0.99), 60_000, "capped at 60 s");
  });
});
