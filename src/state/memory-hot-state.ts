// Hot state in process memory: the embedded default. Rebuilt from the store on start (held pings are also in the
// store's ping records), swept of expired entries on a timer.
//
// A held ping is the engine's own record, frozen, not a JSON copy of it: the record lives on after the ping anyway
// (the event writer's batch holds it until the writer thread has committed it), so a JSON string was a second copy for
// the young-generation GC to copy and promote, not a replacement for the objects. Measured (bench/README.md, issue 14
// session 25): the same heap kept per held ping, a quarter fewer bytes promoted per ping, and no stringify at the ping
// nor parse at the post.
//
// Held pings are kept in spans of 5 s of expiry, and a span is forgotten whole once its last ping has expired: every
// winning ping that is not posted expires, and deleting each from one map of every held ping (~290,000 at the bench's
// rate) cost microseconds per ping, all in one stall of the event loop every 5 s (bench/README.md, issue 14 session 26).
import type { PingRecord } from "../domain/records.ts";
import type { HotState, PostClaim } from "./hot-state.ts";

const SWEEP_INTERVAL_MS = 5_000;
/** The length of a span of expiry: a held ping is forgotten at the first sweep after its span ends. */
const EXPIRY_SPAN_MS = 5_000;
/** How often the lease clock looks at the wall clock while a post claim is leased. */
const LEASE_CLOCK_TICK_MS = 100;
/**
 * The most the lease clock advances between two looks: a stall of the event loop (GC, a blocking call, a starved CPU)
 * counts as this much at most. Below a third of the shortest lease (1000 ms), so no stall lapses a renewing holder.
 */
const LEASE_CLOCK_MAX_STEP_MS = 250;

/** The held pings whose expiry falls before `endsAt` and at or after the previous span's end. */
interface ExpirySpan {
  readonly endsAt: number;
  readonly pings: Map<string, PingRecord>;
}

/**
 * A post claim: its holder's token, when its lease lapses on the lease clock (Infinity once completed), and the span
 * its ping was held in when claimed (the sweep keeps the claim while the ping is held there).
 */
interface Claim {
  token: symbol;
  until: number;
  span: ExpirySpan | undefined;
}

export class MemoryHotState implements HotState {
  /** Earliest first; the newest holds are in the last ones (a ping expires `hold_s` after it is held). */
  readonly #spans: ExpirySpan[] = [];
  /** Post claims by ping id. */
  readonly #claimed = new Map<string, Claim>();
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

  /** How many pings are held, expired ones whose span has not ended yet included (memory checks). */
  get heldCount(): number {
    let count = 0;
    for (const span of this.#spans) count += span.pings.size;
    return count;
  }

  async holdPing(ping: PingRecord): Promise<void> {
    this.#hold(ping);
  }

  async getHeldPing(pingId: string, now: number): Promise<PingRecord | undefined> {
    const held = this.#spanHolding(pingId)?.pings.get(pingId);
    return held && held.expires_at > now ? held : undefined;
  }

  async claimHeldPing(
    pingId: string,
    now: number,
    leaseMs: number,
  ): Promise<{ ping: PingRecord; claim: PostClaim | undefined } | undefined> {
    const ping = await this.getHeldPing(pingId, now);
    return ping ? { ping, claim: await this.claimPost(pingId, leaseMs) } : undefined;
  }

  /**
   * Holds the ping in the span of its expiry. A ping is held once: the engine holds each auction's record once, and
   * holds one again from the store only when it is not held here.
   */
  #hold(ping: PingRecord): void {
    // Never served (getHeldPing asks expires_at > now), and a span without an end would never be forgotten.
    if (Number.isNaN(ping.expires_at)) return;
    const endsAt = (Math.floor(ping.expires_at / EXPIRY_SPAN_MS) + 1) * EXPIRY_SPAN_MS;
    const spans = this.#spans;
    // Nearly always the last span or a new one after it; a buyer's shorter expiry (or a restored ping) finds its place.
    let at = spans.length;
    while (at > 0 && spans[at - 1]!.endsAt > endsAt) at--;
    let span = at > 0 && spans[at - 1]!.endsAt === endsAt ? spans[at - 1] : undefined;
    if (!span) {
      span = { endsAt, pings: new Map() };
      spans.splice(at, 0, span);
    }
    span.pings.set(ping.id, frozen(ping));
  }

  /** The span holding the ping, newest first: a post comes soon after its ping, whose span is among the last. */
  #spanHolding(pingId: string): ExpirySpan | undefined {
    const spans = this.#spans;
    for (let at = spans.length - 1; at >= 0; at--) {
      if (spans[at]!.pings.has(pingId)) return spans[at];
    }
    return undefined;
  }

  // One process: claims die with it, and a lease lapses only when its post stops renewing while the process runs (then,
  // as with Redis, another caller may take the post over and the post attempts journal keeps buyers from a second post).
  // Redis measures the lease on its own clock, as it must: there a stalled instance looks like a dead one to the others.
  async claimPost(pingId: string, leaseMs: number): Promise<PostClaim | undefined> {
    const now = this.#leaseNow();
    const current = this.#claimed.get(pingId);
    if (current && current.until > now) return undefined;
    const token = Symbol(pingId);
    this.#claimed.set(pingId, { token, until: now + leaseMs, span: this.#spanHolding(pingId) });
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
    this.#spanHolding(pingId)?.pings.delete(pingId);
    // The claim stays until the next sweep; after that the lead in the store answers retries.
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    clearInterval(this.#leaseTicker);
  }

  /**
   * Forgets the spans whose every ping has expired, whole: no walk over the held pings, no delete per ping. An expired
   * ping whose span has not ended is never served (getHeldPing checks the expiry); it goes at most a span later.
   */
  #sweep(now: number): void {
    const spans = this.#spans;
    let ended = 0;
    while (ended < spans.length && spans[ended]!.endsAt <= now) ended++;
    if (ended > 0) spans.splice(0, ended);
    // Claims of pings no longer held (posted and dropped, or expired): their answers live in the store. A span that
    // has not ended is still held (only ended ones were just forgotten).
    for (const [id, claim] of this.#claimed) {
      if (claim.span && claim.span.endsAt > now && claim.span.pings.has(id)) continue;
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
