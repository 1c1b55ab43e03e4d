// A write the store refused while it was away, tried again in the background: after 250 ms, then with the delay
// doubling up to 5 s while something is left, and back to 250 ms once nothing is. One timer at most, however many
// writes wait (the round writes them all). Used by the sale recorder and the unwritten post attempts.

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export class BackgroundRetry {
  /** Writes what waits; resolves to whether anything is still left. */
  readonly #round: () => Promise<boolean>;
  #delayMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | undefined;

  constructor(round: () => Promise<boolean>) {
    this.#round = round;
  }

  /** Something new waits: a round runs soon, unless one is scheduled already. */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      if (!(await this.#round())) {
        this.#delayMs = RETRY_MIN_MS;
        return;
      }
      this.#delayMs = Math.min(RETRY_MAX_MS, this.#delayMs * 2);
      this.schedule();
    }, this.#delayMs);
  }

  /** No more rounds (shutdown: the owner tries once itself). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
