// Hot state in process memory: the embedded default. Rebuilt from the store on start (held pings are also in the
// store's ping records), swept of expired entries on a timer.
//
// A held ping is kept as one JSON string, not as its object graph: thousands of pings held for minutes would otherwise
// be tens of thousands of small objects for every young-generation GC to trace and copy, which showed up as 20–30 ms
// pauses in the ping latency tail. Only a post (far rarer than a ping) parses one back.
import type { PingRecord } from "../domain/records.ts";
import type { HotState, PostClaim } from "./hot-state.ts";

const SWEEP_INTERVAL_MS = 5_000;
/** How often the lease clock looks at the wall clock while a post claim is leased. */
const LEASE_CLOCK_TICK_MS = 100;
/**
 * The most the lease clock advances between two looks: a stall of the event loop (GC, a blocking call, a starved CPU)
 * counts as this much at most. Below a third of the shortest lease (1000 ms), so no stall lapses a renewing holder.
 */
const LEASE_CLOCK_MAX_STEP_MS = 250;

export class MemoryHotState implements HotState {
  readonly #held = new Map<string, { expiresAt: number; json: string }>();
  /**
   * Post claims by ping id: the token of their holder and when the lease lapses on the lease clock (Infinity once
   * completed).
   */
  readonly #claimed = new Map<string, { token: symbol; until: number }>();
  /** Ping ids whose claim is leased (neither completed nor released): the lease clock ticks while there are any. */
  readonly #leased = new Set<string>();
  readonly #sweeper: NodeJS.Timeout;
  /**
   * The lease clock (ms): wall time this process could run. A holder is in this process and renews whenever it runs,
   * so a lease may only lapse on time in which the holder could have renewed and did not; a stall of the whole event
   * loop stalls every other caller too, and must not hand a running post to the first retry after it.
   */
  #leaseClock = 0;
  #leaseClockSeenAt = Date.now();
  #leaseTicker: NodeJS.Timeout | undefined;

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

  // One process: claims die with it, and a lease lapses only when its post stops renewing while the process runs (then,
  // as with Redis, another caller may take the post over and the post attempts journal keeps buyers from a second post).
  // Redis measures the lease on its own clock, as it must: there a stalled instance looks like a dead one to the others.
  async claimPost(pingId: string, leaseMs: number): Promise<PostClaim | undefined> {
    const now = this.#leaseNow();
    const current = this.#claimed.get(pingId);
    if (current && current.until > now) return undefined;
    const token = Symbol(pingId);
    this.#claimed.set(pingId, { token, until: now + leaseMs });
    this.#leased.add(pingId);
    this.#leaseTicker ??= setInterval(() => this.#tickLeaseClock(), LEASE_CLOCK_TICK_MS).unref();
    const mine = () => this.#claimed.get(pingId)?.token === token;
    return {
      renew: async () => {
        if (!mine()) return false;
        const claim = this.#claimed.get(pingId)!;
        const at = this.#leaseNow();
        if (claim.until <= at) return false;
        claim.until = Math.max(claim.until, at + leaseMs);
        return true;
      },
      complete: async () => {
        if (!mine()) return;
        this.#claimed.get(pingId)!.until = Number.POSITIVE_INFINITY;
        this.#leased.delete(pingId);
      },
      release: async () => {
        if (!mine()) return;
        this.#claimed.delete(pingId);
        this.#leased.delete(pingId);
      },
    };
  }

  /** The lease clock now: wall time since the last look, but at most LEASE_CLOCK_MAX_STEP_MS of it. */
  #leaseNow(): number {
    const wall = Date.now();
    this.#leaseClock += Math.min(Math.max(wall - this.#leaseClockSeenAt, 0), LEASE_CLOCK_MAX_STEP_MS);
    this.#leaseClockSeenAt = wall;
    return this.#leaseClock;
  }

  #tickLeaseClock(): void {
    this.#leaseNow();
    if (this.#leased.size === 0 && this.#leaseTicker) {
      clearInterval(this.#leaseTicker);
      this.#leaseTicker = undefined;
    }
  }

  async dropPing(pingId: string): Promise<void> {
    this.#held.delete(pingId);
    // The claim stays until the next sweep; after that the lead in the store answers retries.
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    clearInterval(this.#leaseTicker);
  }

  #sweep(now: number): void {
    for (const [id, held] of this.#held) {
      if (held.expiresAt <= now) {
        this.#held.delete(id);
        this.#claimed.delete(id);
        this.#leased.delete(id);
      }
    }
    // Claims of dropped (posted) pings: their answers live in the store, so the claim is no longer needed.
    for (const id of this.#claimed.keys()) {
      if (this.#held.has(id)) continue;
      this.#claimed.delete(id);
      this.#leased.delete(id);
    }
  }
}
