// Failure streaks in process memory: the embedded default. A restart forgets them, which only delays an auto-pause.
import type { FailureStreaks } from "./failure-streak.ts";

export class MemoryFailureStreaks implements FailureStreaks {
  readonly #streaks = new Map<string, number>();

  async recordFailure(buyerId: string): Promise<number> {
    const streak = (this.#streaks.get(buyerId) ?? 0) + 1;
    this.#streaks.set(buyerId, streak);
    return streak;
  }

  async reset(buyerId: string): Promise<void> {
    this.#streaks.delete(buyerId);
  }

  async close(): Promise<void> {}
}
