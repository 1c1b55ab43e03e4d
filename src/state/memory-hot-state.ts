// Hot state in process memory: the embedded default. Rebuilt from the store on start (held pings are also in the
// store's ping records), swept of expired entries on a timer.
//
// A held ping is the engine's own record, frozen, not a JSON copy of it: the record lives on after the ping anyway
// (the event writer's batch holds it until the writer thread has committed it), so a JSON string was a second copy for
// the young-generation GC to copy and promote, not a replacement for the objects. Measured (bench/README.md, issue 14
// session 25): the same heap kept per held ping, a quarter fewer bytes promoted per ping, and no stringify at the ping
// nor parse at the post.
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
  readonly #held = new Map<string, PingRecord>();
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
    // Earliest expiry first, so the sweep finds the expired ones at the front (see #sweep).
    for (const ping of [...restored].sort((a, b) => a.expires_at - b.expires_at)) this.#hold(ping);
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /** How many pings are held, expired ones the sweep has not reached included (memory checks). */
  get heldCount(): number {
    return this.#held.size;
  }

  async holdPing(ping: PingRecord): Promise<void> {
    this.#hold(ping);
  }

  async getHeldPing(pingId: string, now: number): Promise<PingRecord | undefined> {
    const held = this.#held.get(pingId);
    return held && held.expires_at > now ? held : undefined;
  }

  #hold(ping: PingRecord): void {
    this.#held.set(ping.id, frozen(ping));
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

  /**
   * Forgets expired pings, oldest first, up to the first that has not expired: not a walk over every held ping. The
   * map keeps pings in the order they were held, and a ping's expiry is its hold time plus the same `hold_s` (or a
   * buyer's shorter expiry), so the expired ones are at its front. One that expires earlier than a ping held before
   * it stays until that one has expired too: at most `hold_s` after it was held, the time every ping may be held
   * anyway; it is never served meanwhile (getHeldPing checks the expiry). The walk over every held ping took 20–28 ms
   * of the event loop every 5 s at 300,000 held (bench/README.md, issue 14 session 26).
   */
  #sweep(now: number): void {
    for (const [id, held] of this.#held) {
      if (held.expires_at > now) break;
      this.#held.delete(id);
      this.#claimed.delete(id);
      this.#leased.delete(id);
    }
    // Claims of dropped (posted) pings: their answers live in the store, so the claim is no longer needed.
    for (const id of this.#claimed.keys()) {
      if (this.#held.has(id)) continue;
      this.#claimed.delete(id);
      this.#leased.delete(id);
    }
  }
}

/**
 * Freezes a held ping and what it holds (lead, bids, validation), in place: every post of it reads this one object,
 * so a caller that changed it would change it for every later post; frozen, such a change throws instead.
 */
function frozen(ping: PingRecord): PingRecord {
  Object.freeze(ping.lead);
  for (const bid of ping.bids) {
    if (bid.captured) Object.freeze(bid.captured);
    Object.freeze(bid);
  }
  Object.freeze(ping.bids);
  if (ping.quality) {
    for (const issue of ping.quality.issues) Object.freeze(issue);
    Object.freeze(ping.quality.issues);
    Object.freeze(ping.quality);
  }
  return Object.freeze(ping);
}
