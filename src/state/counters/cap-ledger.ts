// Caps on lead count and spend (DESIGN rule 6: caps never overshoot). A winning bid HOLDS one unit on every cap it
// touches (campaign, buyer, source × campaign; hour, day, week, month), all or nothing, until its bid expires; the post
// RESERVES it firmly (turning the ping's hold into a reservation, or reserving anew for a fallback), an accepted post
// COMMITS the reservation, a failed post RELEASES it. A hold or reservation neither committed nor released within its
// ttl expires and its units are given back, so a crashed instance (or a ping never posted) cannot hold capacity forever.
//
// Holds may overbook: many winning pings are never posted (sellers ping several exchanges and post to one), so pings'
// holds may add up to `overbook` × the limit, while committed + firmly reserved units never pass the limit itself. A
// firm reservation does not count other pings' holds: a post that finds the cap full of sales and posts in progress is
// refused (and falls back to the next bid); one that finds it full only of holds goes ahead.
//
// Every unit of one reservation belongs to one buyer (a campaign's caps, its buyer's caps): Redis keeps all of a
// buyer's counters under one hash tag, so one script covers a whole reservation, also on Redis Cluster.

/** One cap a reservation counts against. The caller computes the period (in the owner's time zone) into the key. */
export interface CapUnit {
  /** The counter, period included: "campaign:c1:day:2026-11-21", "buyer:b1:month:2026-11". Unique per reservation. */
  key: string;
  /** At most this many leads in the period (committed + reserved); absent: not capped by count. */
  countLimit?: number;
  /** At most this much spend in the period, in cents (committed + reserved); absent: not capped by spend. */
  centsLimit?: number;
  /** What this lead costs the buyer, in integer cents. */
  cents: number;
  /** Epoch ms at which the period ends: the counter is forgotten after it. */
  periodEndsAt: number;
}

/** Names one reservation: the buyer whose counters it touches, and an id unique to the sale (e.g. ping + campaign). */
export interface ReservationRef {
  buyerId: string;
  reservationId: string;
}

export interface ReserveRequest extends ReservationRef {
  units: readonly CapUnit[];
  /**
   * Given back if neither committed nor released by then: a firm reservation, longer than the post deadline plus the
   * buyer's post; a ping's hold, its bid's own expiry.
   */
  ttlMs: number;
  /**
   * Present: a ping's hold, which may overbook: committed + reserved + held units may reach `overbook` × the limit
   * (≥ 1; 1 is no overbooking), as long as committed + reserved alone stay under it. Absent: a firm reservation for a
   * post (turning this reservation's hold, if it has one, into a firm one), checked against committed + reserved only.
   */
  hold?: { overbook: number };
}

export type ReserveResult =
  | { ok: true }
  /**
   * `exhausted` is the key of the first unit (in request order) that would overshoot; nothing was reserved. `by`:
   * `sales` when committed and firmly reserved units fill it (sold out), `holds` when only unposted pings' holds do.
   */
  | { ok: false; exhausted: string; limit: "count" | "cents"; by: "sales" | "holds" };

/**
 * What commit found:
 * - "committed": the reservation is now (or already was) committed.
 * - "late": it had expired and its units had been given back; the sale is counted anyway (it happened), which may take
 *   a cap past its limit by this one lead. A sign the ttl is shorter than a post can take: log it.
 * - "released": it was released before; nothing is counted.
 * - "unknown": never reserved, or finished so long ago it is forgotten; nothing is counted.
 * - "recounted": the reservation was lost with the hot state's data (Redis restarted empty while the buyer was being
 *   posted to); the sale is counted from the units the caller reserved, on top of the counters re-seeded from the
 *   store (which cannot hold this sale yet: it is saved after its commit).
 */
export type CommitOutcome = "committed" | "late" | "released" | "unknown" | "recounted";

export interface CapCounts {
  count: number;
  cents: number;
}

export interface CapUsage {
  committed: CapCounts;
  /** Held by reservations awaiting their post (expired ones already given back): pings' holds included. */
  reserved: CapCounts;
  /** The part of `reserved` held by won pings not (yet) posted, which may overbook the cap. */
  held: CapCounts;
}

export interface CapLedger {
  /**
   * Holds (a ping's, `hold` given) or firmly reserves (a post's) one unit on every cap of the request, or none when any
   * would overshoot. Idempotent while held; a firm request turns a hold into a reservation (or, once the hold expired,
   * reserves anew).
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /**
   * Turns a reservation into counted usage (the post was accepted). Idempotent. `units`, the ones reserved, let a
   * ledger whose data was lost since the reservation count the sale anyway ("recounted"); memory never loses it.
   */
  commit(ref: ReservationRef, units?: readonly CapUnit[]): Promise<CommitOutcome>;
  /** Gives a reservation's units back (the post failed). Idempotent; a no-op once committed or expired. */
  release(ref: ReservationRef): Promise<void>;
  /**
   * Raises a counter's committed cents to at least `cents`, never lowering it (creating the counter when needed): puts
   * back a lifetime counter (a prepaid buyer's spend) from the store's record when hot state lost or never had it.
   * Safe to repeat and to race: the store's record trails the counter (a sale is counted before it is saved).
   */
  raiseCommittedCents(buyerId: string, key: string, cents: number, periodEndsAt: number): Promise<void>;
  /** The counts of one cap key of a buyer, for traces, admin views and tests. */
  usage(buyerId: string, key: string): Promise<CapUsage>;
  close(): Promise<void>;
}

/**
 * How long a finished reservation is remembered, so that a repeated commit or release is recognised and an expired one
 * committed late is still counted ("late"). Both come from the same post (its settle after its admit), and a post ends
 * by its deadline, which the reservation's ttl already outlasts by 60 s; a post is made once per ping, so an id is
 * never reserved again. A minute past finishing covers that, and bounds what is kept to the last minute's sales: an
 * hour kept ~3 million records at 800 leads/s (issue 14), which grew the heap with every lead.
 */
export const DEFAULT_FINISHED_RETENTION_MS = 60 * 1000;

/**
 * Rejects a malformed request before it touches any counter (a programming error, not a cap decision). Runs for every
 * won ping: it allocates nothing unless it throws.
 */
export function assertValidReserveRequest(request: ReserveRequest): void {
  if (!request.buyerId) throw new TypeError(`${where(request)}: buyerId is required`);
  if (!request.reservationId) throw new TypeError("cap reservation: reservationId is required");
  if (request.hold && !(Number.isFinite(request.hold.overbook) && request.hold.overbook >= 1)) {
    throw new TypeError(`${where(request)}: hold.overbook must be at least 1, got ${request.hold.overbook}`);
  }
  if (!Number.isSafeInteger(request.ttlMs) || request.ttlMs <= 0) {
    throw new TypeError(`${where(request)}: ttlMs must be a positive integer, got ${request.ttlMs}`);
  }
  const { units } = request;
  for (let index = 0; index < units.length; index++) {
    const unit = units[index]!;
    if (!unit.key) throw new TypeError(`${where(request)}: a unit has no key`);
    // A request has a dozen units at most (four periods of three owners, and funds): a scan beats a Set.
    for (let before = 0; before < index; before++) {
      if (units[before]!.key === unit.key)
        throw new TypeError(`${where(request)}: the unit ${unit.key} appears twice`);
    }
    assertCount(request, unit, "cents", unit.cents);
    assertCount(request, unit, "countLimit", unit.countLimit);
    assertCount(request, unit, "centsLimit", unit.centsLimit);
    if (!Number.isSafeInteger(unit.periodEndsAt)) {
      throw new TypeError(
        `${where(request)}: periodEndsAt of ${unit.key} must be epoch ms, got ${unit.periodEndsAt}`,
      );
    }
  }
}

function assertCount(request: ReserveRequest, unit: CapUnit, name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new TypeError(
      `${where(request)}: ${name} of ${unit.key} must be a non-negative integer, got ${value}`,
    );
  }
}

function where(request: ReserveRequest): string {
  return `cap reservation ${request.reservationId}`;
}

/** The most units (or cents) pings' holds may take of a cap, with committed and reserved ones: the limit overbooked. */
export function overbookedLimit(limit: number, overbook: number): number {
  return Math.floor(limit * overbook);
}
