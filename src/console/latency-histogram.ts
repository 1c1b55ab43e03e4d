// Answer times as a histogram with fixed, log-spaced buckets, so the histograms of several instances merge by adding
// counts and the merged p50/p99 are those of all the answers (averaging each instance's percentiles would not be).
// Every bucket spans a factor of BUCKET_GROWTH, so a percentile read from the buckets is within that factor of the
// exact one, whatever the scale: 0.05 ms to 60 s in ~290 buckets.

/** Bucket i > 0 holds (LOWEST_MS * GROWTH^(i-1), LOWEST_MS * GROWTH^i]; bucket 0 holds everything up to LOWEST_MS. */
export const BUCKET_GROWTH = 1.05;
const LOWEST_MS = 0.05;
const HIGHEST_MS = 60_000;
const LAST_BUCKET = Math.ceil(Math.log(HIGHEST_MS / LOWEST_MS) / Math.log(BUCKET_GROWTH));

/** Sparse buckets as they travel between instances: [bucket index, count] pairs. */
export type HistogramBuckets = [bucket: number, count: number][];

export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  #total = 0;

  static of(samplesMs: Iterable<number>): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (const ms of samplesMs) histogram.add(ms);
    return histogram;
  }

  /** The sum of the histograms: every answer of every instance. Buckets that are not [index, count] are ignored. */
  static merged(parts: Iterable<HistogramBuckets>): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (const buckets of parts) {
      for (const [bucket, count] of buckets) {
        if (Number.isInteger(bucket) && bucket >= 0 && bucket <= LAST_BUCKET && count > 0) {
          histogram.#addToBucket(bucket, count);
        }
      }
    }
    return histogram;
  }

  get count(): number {
    return this.#total;
  }

  add(ms: number): void {
    this.#addToBucket(bucketOf(ms), 1);
  }

  /**
   * The value below which a share `q` of the answers fall, the way a sorted list's element at floor(q * n) is; reported
   * as its bucket's geometric middle (so within a factor of √GROWTH of the exact value). Null without answers.
   */
  percentile(q: number): number | null {
    if (this.#total === 0) return null;
    const rank = Math.min(this.#total - 1, Math.floor(q * this.#total));
    let seen = 0;
    for (const bucket of [...this.#counts.keys()].sort((x, y) => x - y)) {
      seen += this.#counts.get(bucket)!;
      if (seen > rank) return middleOf(bucket);
    }
    return null; // Unreachable: the counts add up to the total.
  }

  toBuckets(): HistogramBuckets {
    return [...this.#counts].sort(([x], [y]) => x - y);
  }

  #addToBucket(bucket: number, count: number): void {
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + count);
    this.#total += count;
  }
}

function bucketOf(ms: number): number {
  if (!(ms > LOWEST_MS)) return 0;
  return Math.min(LAST_BUCKET, Math.ceil(Math.log(ms / LOWEST_MS) / Math.log(BUCKET_GROWTH)));
}

function middleOf(bucket: number): number {
  return bucket === 0 ? LOWEST_MS : LOWEST_MS * BUCKET_GROWTH ** (bucket - 0.5);
}
