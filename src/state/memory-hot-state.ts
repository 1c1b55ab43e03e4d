// Hot state in process memory: the embedded default. Rebuilt from the store on start (held pings are also in the
// store's ping records), swept of expired entries on a timer.
//
// A held ping is kept as one JSON string, not as its object graph: thousands of pings held for minutes would otherwise
// be tens of thousands of small objects for every young-generation GC to trace and copy, which showed up as 20–30 ms
// pauses in the ping latency tail. Only a post (far rarer than a ping) parses one back.
import type { PingRecord } from "../domain/records.ts";
import type { HotState, PostClaim } from "./hot-state.ts";

const SWEEP_INTERVAL_MS = 5_000;

export class MemoryHotState implements HotState {
  readonly #held = new Map<string, { expiresAt: number; json: string }>();
  /** Post claims by ping id: the token of their holder and when the lease lapses (Infinity once completed). */
  readonly #claimed = new Map<string, { token: symbol; until: number }>();
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

  // One process: claims die with it, and a lease lapses only when its post stalls past it (then, as with Redis,
  // another caller may take the post over and the post attempts journal keeps buyers from a second post).
  async claimPost(pingId: string, leaseMs: number): Promise<PostClaim | undefined> {
    const current = this.#claimed.get(pingId);
    if (current && current.until > Date.now()) return undefined;
    const token = Symbol(pingId);
    this.#claimed.set(pingId, { token, until: Date.now() + leaseMs });
    const mine = () => this.#claimed.get(pingId)?.token === token;
    return {
      renew: async () => {
        if (!mine()) return false;
        const claim = this.#claimed.get(pingId)!;
        if (claim.until <= Date.now()) return false;
        claim.until = Math.max(claim.until, Date.now() + leaseMs);
        return true;
      },
      complete: async () => {
        if (mine()) this.#claimed.get(pingId)!.until = Number.POSITIVE_INFINITY;
      },
      release: async () => {
        if (mine()) this.#claimed.delete(pingId);
      },
    };
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
    for (const id of this.#claimed.keys()) if (!this.#held.has(id)) this.#claimed.delete(id);
  }
}
