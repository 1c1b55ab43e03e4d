// Caps in process memory: the embedded default. Every operation runs to completion without awaiting, so each is atomic
// among the requests of this process. Committed usage does not survive a restart: the exchange seeds it from the
// store's sales of the current periods (`seed`).
import {
  assertValidReserveRequest,
  type CapCounts,
  type CapLedger,
  type CapUsage,
  type CommitOutcome,
  DEFAULT_FINISHED_RETENTION_MS,
  overbookedLimit,
  type ReservationRef,
  type ReserveRequest,
  type ReserveResult,
} from "./cap-ledger.ts";

/** Committed usage of one cap in its current period, as rebuilt from the store on start. */
export interface CapUsageSeed {
  buyerId: string;
  key: string;
  count: number;
  cents: number;
  periodEndsAt: number;
}

export interface MemoryCapLedgerOptions {
  /** Committed usage to start from (the store's sales in the current periods). */
  seed?: readonly CapUsageSeed[];
  /** Clock (epoch ms) for reservation deadlines and period ends; injectable for tests. Default Date.now. */
  now?: () => number;
  /** How long a finished reservation is remembered for idempotent commit/release. Default DEFAULT_FINISHED_RETENTION_MS. */
  finishedRetentionMs?: number;
}

interface Counter {
  /** Whose counter, and which: where the counters map holds it. */
  buyerId: string;
  key: string;
  /** Taken out of the counters map (its period ended): a unit holding it looks its key up again. */
  dropped: boolean;
  committedCount: number;
  committedCents: number;
  /** Firm reservations (posts in progress) and pings' holds, counted apart: only holds may overbook. */
  reservedCount: number;
  reservedCents: number;
  heldCount: number;
  heldCents: number;
  periodEndsAt: number;
}

/** "held": counting as reserved; "expired": given back by the ttl; "late": committed after it expired. */
type ReservationState = "held" | "committed" | "released" | "expired" | "late";

interface Reservation {
  /** Whose, and its id: where the reservations map holds it (the request's own strings, not a key made of both). */
  buyerId: string;
  id: string;
  state: ReservationState;
  /** A ping's hold (counted in the counters' held fields) rather than a post's firm reservation. */
  hold: boolean;
  /**
   * Emptied once committed or released (nothing will move them again); an expired one keeps them for a late commit.
   * Each unit holds its counter itself (no lookup by a "buyer, key" string): one dropped since is looked up again by
   * key. Flat, counter then cents for each unit: one array per reservation rather than an object per unit as well
   * (every won ping holds one until its bid expires, minutes, so each object outlives young collections).
   */
  units: (Counter | number)[];
  deadline: number;
  /** When the record itself may be dropped. */
  forgetAt: number;
}

const SWEEP_INTERVAL_MS = 5_000;
/** What a finished reservation keeps of its units: nothing, one shared empty list. */
const NO_UNITS: Reservation["units"] = [];

export class MemoryCapLedger implements CapLedger {
  /** Counters by buyer, then by key: found without building a "buyer, key" string for every unit of every reserve. */
  readonly #counters = new Map<string, Map<string, Counter>>();
  /**
   * Every reservation still remembered, by buyer then id: held ones, and finished ones kept for idempotency. (By buyer
   * then id: no "buyer, id" string made, hashed and kept for each one.)
   */
  readonly #reservations = new Map<string, Map<string, Reservation>>();
  /**
   * The held ones by deadline, earliest first: reclaiming takes the expired ones off the front. (A scan of every held
   * one ran on each reserve once holds began to expire: every won ping holds until its bid expires, so at 600 pings a
   * second with 120 s holds that was 70,000 entries walked per ping.)
   */
  readonly #deadlines = new DeadlineQueue();
  /**
   * The finished ones in the order they finished, which is the order they may be forgotten (every one is kept for the
   * same retention): forgetting pops from the front, so memory stays proportional to the leads of the last retention
   * period, whatever the traffic, without a scan.
   */
  readonly #finished = new Set<Reservation>();
  readonly #now: () => number;
  readonly #finishedRetentionMs: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryCapLedgerOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#finishedRetentionMs = options.finishedRetentionMs ?? DEFAULT_FINISHED_RETENTION_MS;
    for (const seed of options.seed ?? []) {
      const counter = this.#counterFor(seed.buyerId, seed.key, seed.periodEndsAt);
      counter.committedCount += seed.count;
      counter.committedCents += seed.cents;
    }
    this.#sweeper = setInterval(() => this.#sweep(this.#now()), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    assertValidReserveRequest(request);
    const now = this.#now();
    this.#reclaimExpired(now);
    this.#forgetFinished(now);
    const existing = this.#reservation(request);
    const firm = request.hold === undefined;
    if (existing?.state === "held" && (!firm || !existing.hold)) return { ok: true };
    if (existing && existing.state !== "held" && !(firm && existing.state === "expired")) {
      throw new Error(`cap reservation ${request.reservationId} is already ${existing.state}`);
    }

    for (const unit of request.units) {
      const counter = this.#liveCounter(request.buyerId, unit.key, now);
      const count = (counter?.committedCount ?? 0) + (counter?.reservedCount ?? 0);
      const cents = (counter?.committedCents ?? 0) + (counter?.reservedCents ?? 0);
      if (unit.countLimit !== undefined && count + 1 > unit.countLimit) {
        return { ok: false, exhausted: unit.key, limit: "count", by: "sales" };
      }
      if (unit.centsLimit !== undefined && cents + unit.cents > unit.centsLimit) {
        return { ok: false, exhausted: unit.key, limit: "cents", by: "sales" };
      }
      if (!request.hold) continue;
      const heldCount = count + (counter?.heldCount ?? 0);
      const heldCents = cents + (counter?.heldCents ?? 0);
      if (
        unit.countLimit !== undefined &&
        heldCount + 1 > overbookedLimit(unit.countLimit, request.hold.overbook)
      ) {
        return { ok: false, exhausted: unit.key, limit: "count", by: "holds" };
      }
      if (
        unit.centsLimit !== undefined &&
        heldCents + unit.cents > overbookedLimit(unit.centsLimit, request.hold.overbook)
      ) {
        return { ok: false, exhausted: unit.key, limit: "cents", by: "holds" };
      }
    }

    if (existing?.state === "held") {
      // A post claims its ping's hold: the units move from held to firmly reserved, for the post's own ttl.
      this.#moveUnits(existing, now, -1, 0);
      existing.hold = false;
      this.#moveUnits(existing, now, 1, 0);
      existing.deadline = now + request.ttlMs;
      existing.forgetAt = Math.max(existing.forgetAt, existing.deadline + this.#finishedRetentionMs);
      this.#deadlines.push(existing.deadline, existing);
      return { ok: true };
    }

    const deadline = now + request.ttlMs;
    const units: Reservation["units"] = [];
    for (let index = 0; index < request.units.length; index++) {
      const unit = request.units[index]!;
      // A period already over cannot be overshot: nothing to count (Redis drops such a counter at once, too).
      if (unit.periodEndsAt <= now) continue;
      const counter = this.#counterFor(request.buyerId, unit.key, unit.periodEndsAt);
      if (firm) {
        counter.reservedCount += 1;
        counter.reservedCents += unit.cents;
      } else {
        counter.heldCount += 1;
        counter.heldCents += unit.cents;
      }
      units.push(counter, unit.cents);
    }
    // A firm reservation after its ping's hold expired replaces the expired record, which must not be forgotten for it.
    if (existing) this.#finished.delete(existing);
    // Set when it finishes (commit, release or expiry): a held reservation is never forgotten.
    const reservation: Reservation = {
      buyerId: request.buyerId,
      id: request.reservationId,
      state: "held",
      hold: !firm,
      units,
      deadline,
      forgetAt: Number.POSITIVE_INFINITY,
    };
    let byId = this.#reservations.get(request.buyerId);
    if (!byId) {
      byId = new Map();
      this.#reservations.set(request.buyerId, byId);
    }
    byId.set(request.reservationId, reservation);
    this.#deadlines.push(deadline, reservation);
    return { ok: true };
  }

  async commit(ref: ReservationRef): Promise<CommitOutcome> {
    const now = this.#now();
    this.#forgetFinished(now);
    const reservation = this.#reservation(ref);
    if (!reservation) return "unknown";
    switch (reservation.state) {
      case "committed":
      case "late":
      case "released":
        return reservation.state;
      case "held":
        this.#moveUnits(reservation, now, -1, 1);
        this.#finish(reservation, "committed", now);
        return "committed";
      case "expired":
        this.#moveUnits(reservation, now, 0, 1);
        this.#finish(reservation, "late", now);
        return "late";
    }
  }

  async release(ref: ReservationRef): Promise<void> {
    const now = this.#now();
    this.#forgetFinished(now);
    const reservation = this.#reservation(ref);
    if (reservation?.state !== "held") return;
    this.#moveUnits(reservation, now, -1, 0);
    this.#finish(reservation, "released", now);
  }

  async raiseCommittedCents(
    buyerId: string,
    key: string,
    cents: number,
    periodEndsAt: number,
  ): Promise<void> {
    if (cents <= 0 || periodEndsAt <= this.#now()) return;
    const counter = this.#counterFor(buyerId, key, periodEndsAt);
    counter.committedCents = Math.max(counter.committedCents, cents);
  }

  async usage(buyerId: string, key: string): Promise<CapUsage> {
    const now = this.#now();
    this.#reclaimExpired(now);
    const counter = this.#liveCounter(buyerId, key, now);
    const heldCount = counter?.heldCount ?? 0;
    const heldCents = counter?.heldCents ?? 0;
    return {
      committed: counts(counter?.committedCount, counter?.committedCents),
      reserved: counts((counter?.reservedCount ?? 0) + heldCount, (counter?.reservedCents ?? 0) + heldCents),
      held: counts(heldCount, heldCents),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  /** Adds `reserved` (±1 or 0) and `committed` (1 or 0) units of each of the reservation's live counters. */
  #moveUnits(reservation: Reservation, now: number, reserved: number, committed: number): void {
    const units = reservation.units;
    for (let at = 0; at < units.length; at += 2) {
      const held = units[at] as Counter;
      const cents = units[at + 1] as number;
      const counter =
        !held.dropped && held.periodEndsAt > now ? held : this.#liveCounter(held.buyerId, held.key, now);
      if (!counter) continue; // Its period is over: nothing left to count against.
      if (reservation.hold) {
        counter.heldCount += reserved;
        counter.heldCents += reserved * cents;
      } else {
        counter.reservedCount += reserved;
        counter.reservedCents += reserved * cents;
      }
      counter.committedCount += committed;
      counter.committedCents += committed * cents;
    }
  }

  #finish(reservation: Reservation, state: ReservationState, now: number): void {
    reservation.state = state;
    // Only its state is asked for from now on (a repeated commit or release): the units are dropped.
    reservation.units = NO_UNITS;
    this.#rememberFinished(reservation, now);
  }

  /**
   * Keeps a finished reservation for the retention from `finishedAt`, at the back of the queue of finished ones (an
   * expired one noticed late may be forgettable before the one ahead of it: it then waits for it, a bounded delay).
   */
  #rememberFinished(reservation: Reservation, finishedAt: number): void {
    reservation.forgetAt = finishedAt + this.#finishedRetentionMs;
    this.#finished.delete(reservation); // an expired one committed late moves to the back
    this.#finished.add(reservation);
  }

  /** Drops finished reservations past their retention, oldest first; stops at the first one still kept. */
  #forgetFinished(now: number): void {
    // Runs on every reserve: no iterator when there is nothing to forget.
    if (this.#finished.size === 0) return;
    for (const reservation of this.#finished) {
      if (reservation.forgetAt > now) return;
      this.#finished.delete(reservation);
      const byId = this.#reservations.get(reservation.buyerId);
      if (byId?.get(reservation.id) !== reservation) continue;
      byId.delete(reservation.id);
      if (byId.size === 0) this.#reservations.delete(reservation.buyerId);
    }
  }

  /** How many reservations are remembered (held and finished): for tests and diagnostics. */
  get rememberedReservations(): number {
    let remembered = 0;
    for (const byId of this.#reservations.values()) remembered += byId.size;
    return remembered;
  }

  #reservation(ref: ReservationRef): Reservation | undefined {
    return this.#reservations.get(ref.buyerId)?.get(ref.reservationId);
  }

  /** Gives back the units of every held reservation past its deadline. */
  #reclaimExpired(now: number): void {
    while (this.#deadlines.earliest <= now) {
      const deadline = this.#deadlines.earliest;
      const reservation = this.#deadlines.pop();
      // Finished since, or given a later deadline (queued again for it): nothing to reclaim here.
      if (reservation.state !== "held" || reservation.deadline !== deadline) continue;
      this.#moveUnits(reservation, now, -1, 0);
      reservation.state = "expired";
      // Remembered as long as a finished one (for a late commit), not as long as its counters: a buyer's funds
      // counter never ends, and must not keep every abandoned reservation.
      // Counted from its deadline, when it expired, however late this reclaim noticed it.
      this.#rememberFinished(reservation, reservation.deadline);
    }
  }

  #liveCounter(buyerId: string, key: string, now: number): Counter | undefined {
    const counter = this.#counters.get(buyerId)?.get(key);
    if (counter && counter.periodEndsAt <= now) {
      this.#drop(counter);
      return undefined;
    }
    return counter;
  }

  #counterFor(buyerId: string, key: string, periodEndsAt: number): Counter {
    let byKey = this.#counters.get(buyerId);
    if (!byKey) {
      byKey = new Map();
      this.#counters.set(buyerId, byKey);
    }
    let counter = byKey.get(key);
    if (!counter) {
      counter = {
        buyerId,
        key,
        dropped: false,
        committedCount: 0,
        committedCents: 0,
        reservedCount: 0,
        reservedCents: 0,
        heldCount: 0,
        heldCents: 0,
        periodEndsAt,
      };
      byKey.set(key, counter);
    }
    counter.periodEndsAt = periodEndsAt;
    return counter;
  }

  /** Forgets a counter whose period ended (a buyer with none left, too). */
  #drop(counter: Counter): void {
    counter.dropped = true;
    const byKey = this.#counters.get(counter.buyerId);
    byKey?.delete(counter.key);
    if (byKey?.size === 0) this.#counters.delete(counter.buyerId);
  }

  #sweep(now: number): void {
    this.#reclaimExpired(now);
    for (const byKey of this.#counters.values()) {
      for (const counter of byKey.values()) if (counter.periodEndsAt <= now) this.#drop(counter);
    }
    this.#forgetFinished(now);
  }
}

/**
 * Held reservations by deadline, earliest first: a binary min-heap, in two arrays side by side (the deadlines, and
 * their reservations) rather than an entry object per hold. An entry whose reservation finished or got a new deadline
 * stays until it reaches the front, where the ledger skips it: at most one per reservation made within the longest
 * ttl, as many as there are reservations anyway.
 */
class DeadlineQueue {
  readonly #deadlines: number[] = [];
  readonly #reservations: Reservation[] = [];

  /** The earliest deadline queued (Infinity when none). */
  get earliest(): number {
    return this.#deadlines.length > 0 ? this.#deadlines[0]! : Number.POSITIVE_INFINITY;
  }

  push(deadline: number, reservation: Reservation): void {
    const deadlines = this.#deadlines;
    const reservations = this.#reservations;
    let at = deadlines.length;
    deadlines.push(deadline);
    reservations.push(reservation);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (deadlines[parent]! <= deadline) break;
      deadlines[at] = deadlines[parent]!;
      reservations[at] = reservations[parent]!;
      at = parent;
    }
    deadlines[at] = deadline;
    reservations[at] = reservation;
  }

  /** Takes off the earliest entry's reservation (the queue must not be empty; `earliest` was its deadline). */
  pop(): Reservation {
    const deadlines = this.#deadlines;
    const reservations = this.#reservations;
    const first = reservations[0]!;
    const lastDeadline = deadlines.pop()!;
    const last = reservations.pop()!;
    const size = deadlines.length;
    if (size > 0) {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && deadlines[right]! < deadlines[left]! ? right : left;
        if (deadlines[child]! >= lastDeadline) break;
        deadlines[at] = deadlines[child]!;
        reservations[at] = reservations[child]!;
        at = child;
      }
      deadlines[at] = lastDeadline;
      reservations[at] = last;
    }
    return first;
  }
}

function counts(count = 0, cents = 0): CapCounts {
  return { count, cents };
}
