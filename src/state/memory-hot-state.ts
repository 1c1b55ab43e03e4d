// Hot state in process memory: the embedded default. Rebuilt from the store on start (held pings are also in the
// store's ping records), swept of expired entries on a timer.
//
// A held ping is kept as one JSON string, not as its object graph: thousands of pings held for minutes would otherwise
// be tens of thousands of small objects for every young-generation GC to trace and copy, which showed up as 20–30 ms
// pauses in the ping latency tail. Only a post (far rarer than a ping) parses one back.
import type { PingRecord } from "../store/records.ts";
import type { HotState } from "./hot-state.ts";

const SWEEP_INTERVAL_MS = 5_000;

export class MemoryHotState implements HotState {
  readonly #held = new Map<string, { expiresAt: number; json: string }>();
  readonly #claimed = new Set<string>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(restored: readonly PingRecord[] = []) {
    for (const ping of restored) this.#hold(ping);
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async holdPing(ping: PingRecord): Promise<void> {
    this.#hold(ping);
  }

  async getHeldPing(pingId: string, now: number): Promise<PingRecord | undefined> {
    const held = this.#held.get(pingId);
    return held && held.expiresAt > now ? (JSON.parse(held.json) as PingRecord) : undefined;
  }

  #hold(ping: PingRecord): void {
    this.#held.set(ping.id, { expiresAt: ping.expires_at, json: JSON.stringify(ping) });
  }

  async claimPost(pingId: string): Promise<boolean> {
    if (this.#claimed.has(pingId)) return false;
    this.#claimed.add(pingId);
    return true;
  }

  async releasePost(pingId: string): Promise<void> {
    this.#claimed.delete(pingId);
  }

  async dropPing(pingId: string): Promise<void> {
    this.#held.delete(pingId);
    // The claim stays until the next sweep; after that the lead in the store answers retries.
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #sweep(now: number): void {
    for (const [id, held] of this.#held) {
      if (held.expiresAt <= now) {
        this.#held.delete(id);
        this.#claimed.delete(id);
      }
    }
    // Claims of dropped (posted) pings: their answers live in the store, so the claim is no longer needed.
    for (const id of this.#claimed) if (!this.#held.has(id)) this.#claimed.delete(id);
  }
}
