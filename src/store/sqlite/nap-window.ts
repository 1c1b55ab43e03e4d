// How long the SQLite writer thread keeps napping (waking itself to look for work) after a group before it sleeps in
// its event loop, where the next message must wake it at the sender's expense (see sqlite-writer-thread.ts).
//
// Napping pays only when the next message comes before the naps end: then no one wakes the thread. So the window is
// long while messages keep coming within it (a loaded exchange: the main thread posts every few milliseconds), and
// short once a message has come later than even the long window would have waited (pings alone post a ping batch
// every few tens of milliseconds: a long window would only add naps), until a message comes within it again.

export class NapWindow {
  readonly longMs: number;
  readonly shortMs: number;
  #ms: number;
  /** When the thread last went to sleep in its loop, and after how long a window. */
  #slept: { at: number; afterMs: number } | undefined;

  constructor(longMs: number, shortMs: number) {
    this.longMs = longMs;
    this.shortMs = shortMs;
    this.#ms = longMs;
  }

  /** How long to keep napping after the last group, in ms. */
  get ms(): number {
    return this.#ms;
  }

  /** A message came while the thread napped: the window caught it. */
  caught(): void {
    this.#ms = this.longMs;
  }

  /** The window ran out with nothing: the thread sleeps in its event loop from `now` (ms). */
  sleep(now: number): void {
    this.#slept = { at: now, afterMs: this.#ms };
  }

  /** A message woke the thread in its event loop at `now`: the long window next time if it would have caught it. */
  woken(now: number): void {
    const gap = this.#slept ? now - this.#slept.at + this.#slept.afterMs : 0;
    this.#ms = gap < this.longMs ? this.longMs : this.shortMs;
  }
}
