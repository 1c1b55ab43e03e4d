// One deadline per request (DESIGN rule 2): stamped on arrival, every buyer's budget derived from what is left.

export class Deadline {
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** performance.now() by which the answer must be on its way. */
  readonly endsAt: number;

  constructor(budgetMs: number, startedAt = performance.now()) {
    this.startedAt = startedAt;
    this.endsAt = startedAt + budgetMs;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /**
   * The time one buyer may take: its own timeout, but never past the deadline less the reserve kept for our work.
   * Undefined when that is below the minimum worth asking for.
   */
  buyerBudgetMs(buyerTimeoutMs: number, reserveMs: number, minimumMs: number): number | undefined {
    const budget = Math.floor(Math.min(buyerTimeoutMs, this.remainingMs() - reserveMs));
    return budget >= minimumMs ? budget : undefined;
  }
}
