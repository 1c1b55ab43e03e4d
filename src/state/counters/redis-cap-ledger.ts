// Caps in Redis, shared by every exchange instance: each operation is one Lua script, so a reservation across several
// caps is all or nothing however many instances race for the last unit.
//
// Key layout (one hash tag per buyer, so a reservation's keys share one Redis Cluster slot):
//   <prefix>:{b:<buyer>}:cap:<unit key>      hash  c, m = committed count, cents; rc, rm = firmly reserved count,
//                                                  cents (posts in progress); hc, hm = held by pings not yet posted.
//                                                  Expires at the unit's periodEndsAt.
//   <prefix>:{b:<buyer>}:res:<reservation>   hash  s = held | committed | released | expired | late;
//                                                  k = h (a ping's hold) | f (firm; also when absent);
//                                                  u = JSON [[counter key, cents], ...]
//   <prefix>:{b:<buyer>}:deadlines           zset  held reservation keys scored by their deadline (Redis server time)
//
// Expiry is lazy: every reserve and usage call for a buyer first gives back that buyer's held reservations whose
// deadline has passed (at most 1000 per call). Only a reserve can be refused for lack of capacity, and it reclaims
// first, so a reservation left by a crashed instance never blocks one; until then it only shows in `usage` as reserved
// — which also reclaims first. Deadlines use Redis's clock (TIME), so instances with skewed clocks agree on them.
//
// Trade-off on Redis Cluster: a reservation may only span one buyer's caps (a campaign's caps, its buyer's caps, and
// source × campaign caps are all the buyer's). A cap shared by several buyers (e.g. a source's total) would need a
// second reservation in its own slot, without the all-or-nothing guarantee across the two. The reclaim step reads the
// counter keys stored in the reservation (not passed as KEYS): they are in the same slot, which Cluster allows.
import type { Redis } from "ioredis";
import type { RedisConnection } from "../redis/redis-connection.ts";
import { type SeedGuard, withSeededState } from "../redis/seed-marker.ts";
import {
  assertValidReserveRequest,
  type CapLedger,
  type CapUnit,
  type CapUsage,
  type CommitOutcome,
  DEFAULT_FINISHED_RETENTION_MS,
  type ReservationRef,
  type ReserveRequest,
  type ReserveResult,
} from "./cap-ledger.ts";
import type { CapUsageSeed } from "./memory-cap-ledger.ts";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "./redis-counter-connection.ts";

export interface RedisCapLedgerOptions extends RedisCounterOptions {
  /** How long a finished reservation is remembered for idempotent commit/release. Default DEFAULT_FINISHED_RETENTION_MS. */
  finishedRetentionMs?: number;
  /** Refuses reservations while the counters are not seeded from the store (Redis lost them), seeding them first. */
  seedGuard?: SeedGuard;
}

/** How many counters one seeding round trip writes. */
const SEED_BATCH = 500;

const LUA_HELPERS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Adds reservedDelta and committedDelta units to each counter of a reservation whose period has not ended; a ping's
-- hold counts its reserved units in hc, hm, a firm reservation in rc, rm.
local function moveUnits(record, reservedDelta, committedDelta)
  local rc, rm = 'rc', 'rm'
  if redis.call('HGET', record, 'k') == 'h' then rc, rm = 'hc', 'hm' end
  for _, unit in ipairs(cjson.decode(redis.call('HGET', record, 'u'))) do
    local counter, cents = unit[1], tonumber(unit[2])
    if redis.call('EXISTS', counter) == 1 then
      if reservedDelta ~= 0 then
        redis.call('HINCRBY', counter, rc, reservedDelta)
        redis.call('HINCRBY', counter, rm, reservedDelta * cents)
      end
      if committedDelta ~= 0 then
        redis.call('HINCRBY', counter, 'c', committedDelta)
        redis.call('HINCRBY', counter, 'm', committedDelta * cents)
      end
    end
  end
end

-- Gives back the units of the buyer's held reservations past their deadline: up to 1000 a call, enough for an instance
-- that died mid-burst, while bounding how long one script can hold Redis. An expired record is then kept only as long
-- as a finished one (for a late commit): a long-lived counter (a buyer's funds) must not keep every abandoned one.
local function reclaimExpired(deadlines, now, retentionMs)
  for _, record in ipairs(redis.call('ZRANGEBYSCORE', deadlines, '-inf', now, 'LIMIT', 0, 1000)) do
    if redis.call('HGET', record, 's') == 'held' then
      moveUnits(record, -1, 0)
      redis.call('HSET', record, 's', 'expired')
      redis.call('PEXPIRE', record, retentionMs)
    end
    redis.call('ZREM', deadlines, record)
  end
end
`;

/**
 * KEYS: reservation, deadlines, seed marker, counter per unit. ARGV: ttlMs, retentionMs, whether to check the seed
 * marker (1/0), overbook (0: a firm reservation; ≥ 1: a ping's hold overbooking by that factor), then per unit
 * countLimit, centsLimit (-1: none), cents, periodEndsAt. Returns {1} reserved, {0, unit index (1-based),
 * 'count'|'cents', 'sales'|'holds'} refused, {-1, state} when the reservation id is already finished, {-2} when the
 * seed marker is gone (Redis lost the counters: nothing may be reserved against them until they are re-seeded).
 * A firm request on a held hold turns it into a firm reservation; on an expired one, reserves anew.
 */
const RESERVE_LUA = `${LUA_HELPERS}
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return {-2} end
local now = nowMs()
reclaimExpired(KEYS[2], now, ARGV[2])
local overbook = tonumber(ARGV[4])
local firm = overbook == 0
local state = redis.call('HGET', KEYS[1], 's')
local claimingHold = state == 'held' and firm and redis.call('HGET', KEYS[1], 'k') == 'h'
if state == 'held' and not claimingHold then return {1} end
if state and state ~= 'held' and not (firm and state == 'expired') then return {-1, state} end
for i = 4, #KEYS do
  local key = KEYS[i]
  local a = (i - 4) * 4 + 4
  local countLimit, centsLimit, unitCents = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local held = redis.call('HMGET', key, 'c', 'm', 'rc', 'rm', 'hc', 'hm')
  local count = (tonumber(held[1]) or 0) + (tonumber(held[3]) or 0)
  local cents = (tonumber(held[2]) or 0) + (tonumber(held[4]) or 0)
  if countLimit >= 0 and count + 1 > countLimit then return {0, i - 3, 'count', 'sales'} end
  if centsLimit >= 0 and cents + unitCents > centsLimit then return {0, i - 3, 'cents', 'sales'} end
  if not firm then
    local heldCount = count + (tonumber(held[5]) or 0)
    local heldCents = cents + (tonumber(held[6]) or 0)
    if countLimit >= 0 and heldCount + 1 > math.floor(countLimit * overbook) then
      return {0, i - 3, 'count', 'holds'}
    end
    if centsLimit >= 0 and heldCents + unitCents > math.floor(centsLimit * overbook) then
      return {0, i - 3, 'cents', 'holds'}
    end
  end
end
local deadline = now + tonumber(ARGV[1])
if claimingHold then
  -- A post claims its ping's hold: its units move from held to firmly reserved, for the post's own ttl.
  moveUnits(KEYS[1], -1, 0)
  redis.call('HSET', KEYS[1], 'k', 'f')
  moveUnits(KEYS[1], 1, 0)
  redis.call('ZADD', KEYS[2], deadline, KEYS[1])
  local keepUntil = deadline + tonumber(ARGV[2])
  if redis.call('PTTL', KEYS[1]) < keepUntil - now then redis.call('PEXPIREAT', KEYS[1], keepUntil) end
  if redis.call('PTTL', KEYS[2]) < keepUntil - now then redis.call('PEXPIREAT', KEYS[2], keepUntil) end
  return {1}
end
local keepUntil = deadline + tonumber(ARGV[2])
local rc, rm = 'rc', 'rm'
if not firm then rc, rm = 'hc', 'hm' end
local units = {}
for i = 4, #KEYS do
  local a = (i - 4) * 4 + 4
  local periodEndsAt = tonumber(ARGV[a + 4])
  -- A period already over cannot be overshot: nothing to count.
  if periodEndsAt > now then
    redis.call('HINCRBY', KEYS[i], rc, 1)
    redis.call('HINCRBY', KEYS[i], rm, ARGV[a + 3])
    redis.call('PEXPIREAT', KEYS[i], ARGV[a + 4])
    units[#units + 1] = {KEYS[i], ARGV[a + 3]}
    if periodEndsAt > keepUntil then keepUntil = periodEndsAt end
  end
end
redis.call('HSET', KEYS[1], 's', 'held', 'k', firm and 'f' or 'h', 'u', cjson.encode(units))
-- Kept until its counters are gone even if never reclaimed, so that losing it can never lose a reserved unit.
redis.call('PEXPIREAT', KEYS[1], keepUntil)
redis.call('ZADD', KEYS[2], deadline, KEYS[1])
if redis.call('PTTL', KEYS[2]) < keepUntil - now then redis.call('PEXPIREAT', KEYS[2], keepUntil) end
return {1}`;

/**
 * KEYS: reservation, deadlines, seed marker, counter per unit (none: nothing to recount). ARGV: retentionMs, whether to
 * check the seed marker (1/0), then per unit cents, periodEndsAt. Returns the CommitOutcome, or 'unseeded' when the
 * reservation is gone and so is the seed marker (recounting now would be overwritten by the seed: seed first).
 */
const COMMIT_LUA = `${LUA_HELPERS}
local state = redis.call('HGET', KEYS[1], 's')
if not state then
  if #KEYS <= 3 then return 'unknown' end
  if ARGV[2] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return 'unseeded' end
  -- Reserved (the caller says so, giving its units) but unknown: Redis lost it. The sale happened: count it.
  local now = nowMs()
  local units = {}
  for i = 4, #KEYS do
    local a = (i - 4) * 2 + 2
    local periodEndsAt = tonumber(ARGV[a + 2])
    if periodEndsAt > now then
      redis.call('HINCRBY', KEYS[i], 'c', 1)
      redis.call('HINCRBY', KEYS[i], 'm', ARGV[a + 1])
      redis.call('PEXPIREAT', KEYS[i], ARGV[a + 2])
      units[#units + 1] = {KEYS[i], ARGV[a + 1]}
    end
  end
  redis.call('HSET', KEYS[1], 's', 'recounted', 'u', cjson.encode(units))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return 'recounted'
end
if state == 'held' then
  moveUnits(KEYS[1], -1, 1)
  state = 'committed'
elseif state == 'expired' then
  moveUnits(KEYS[1], 0, 1)
  state = 'late'
else
  -- committed, released, late, or recounted by an earlier call: idempotent.
  return state
end
redis.call('HSET', KEYS[1], 's', state)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return state`;

/** KEYS: reservation, deadlines. ARGV: retentionMs. */
const RELEASE_LUA = `${LUA_HELPERS}
if redis.call('HGET', KEYS[1], 's') ~= 'held' then return 0 end
moveUnits(KEYS[1], -1, 0)
redis.call('HSET', KEYS[1], 's', 'released')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return 1`;

/** KEYS: counter. ARGV: cents, periodEndsAt. */
const RAISE_LUA = `${LUA_HELPERS}
if tonumber(ARGV[2]) <= nowMs() then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'm') or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'm', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;

/**
 * KEYS: counter. ARGV: count, cents, periodEndsAt. Raises committed count and cents to at least the store's figures
 * (never lowers, never adds: seeding twice, or after a sale counted meanwhile, cannot count a sale twice).
 */
const SEED_LUA = `${LUA_HELPERS}
if tonumber(ARGV[3]) <= nowMs() then return 0 end
local held = redis.call('HMGET', KEYS[1], 'c', 'm')
if (tonumber(held[1]) or 0) < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'c', ARGV[1]) end
if (tonumber(held[2]) or 0) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'm', ARGV[2]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`;

/** KEYS: deadlines, counter. ARGV: retentionMs. */
const USAGE_LUA = `${LUA_HELPERS}
reclaimExpired(KEYS[1], nowMs(), ARGV[1])
return redis.call('HMGET', KEYS[2], 'c', 'm', 'rc', 'rm', 'hc', 'hm')`;

type ReserveReply = [1] | [0, number, "count" | "cents", "sales" | "holds"] | [-1, string] | [-2];

interface CapLedgerScripts {
  gavelCapReserve(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<ReserveReply>;
  gavelCapCommit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<CommitOutcome | "unseeded">;
  gavelCapRelease(reservationKey: string, deadlinesKey: string, retentionMs: number): Promise<number>;
  gavelCapRaise(counterKey: string, cents: number, periodEndsAt: number): Promise<number>;
  gavelCapUsage(deadlinesKey: string, counterKey: string, retentionMs: number): Promise<(string | null)[]>;
  gavelCapSeed(counterKey: string, count: number, cents: number, periodEndsAt: number): Promise<number>;
}

export class RedisCapLedger implements CapLedger {
  readonly #connection: RedisConnection;
  readonly #redis: Redis & CapLedgerScripts;
  readonly #keyPrefix: string;
  readonly #finishedRetentionMs: number;
  readonly #seedGuard: SeedGuard | undefined;
  readonly #ownsConnection: boolean;
  #closed = false;

  private constructor(
    connection: RedisConnection,
    ownsConnection: boolean,
    options: OnSharedConnection<RedisCapLedgerOptions>,
  ) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    this.#keyPrefix = checkedKeyPrefix(options.keyPrefix);
    this.#finishedRetentionMs = options.finishedRetentionMs ?? DEFAULT_FINISHED_RETENTION_MS;
    this.#seedGuard = options.seedGuard;
    const redis = connection.client;
    redis.defineCommand("gavelCapReserve", { lua: RESERVE_LUA });
    redis.defineCommand("gavelCapCommit", { lua: COMMIT_LUA });
    redis.defineCommand("gavelCapRelease", { numberOfKeys: 2, lua: RELEASE_LUA });
    redis.defineCommand("gavelCapUsage", { numberOfKeys: 2, lua: USAGE_LUA });
    redis.defineCommand("gavelCapRaise", { numberOfKeys: 1, lua: RAISE_LUA });
    redis.defineCommand("gavelCapSeed", { numberOfKeys: 1, lua: SEED_LUA });
    this.#redis = redis as Redis & CapLedgerScripts;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCapLedgerOptions): Promise<RedisCapLedger> {
    const connection = await connectCounterRedis(options, "gavel-cap-ledger");
    return new RedisCapLedger(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(connection: RedisConnection, options: OnSharedConnection<RedisCapLedgerOptions>): RedisCapLedger {
    return new RedisCapLedger(connection, false, options);
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    assertValidReserveRequest(request);
    const keys = [
      this.#reservationKey(request),
      this.#deadlinesKey(request.buyerId),
      // Outside the buyer's hash tag: one key for the whole state (see seed-marker.ts; a single Redis, not Cluster).
      this.#seedGuard?.markerKey ?? this.#deadlinesKey(request.buyerId),
      ...request.units.map((unit) => this.#counterKey(request.buyerId, unit.key)),
    ];
    const args: (string | number)[] = [
      request.ttlMs,
      this.#finishedRetentionMs,
      this.#seedGuard ? 1 : 0,
      request.hold?.overbook ?? 0,
    ];
    for (const unit of request.units) {
      args.push(unit.countLimit ?? -1, unit.centsLimit ?? -1, unit.cents, unit.periodEndsAt);
    }
    const reply = await withSeededState(this.#seedGuard, async () => {
      let attempt: ReserveReply;
      try {
        attempt = await this.#command("reserve", () =>
          this.#redis.gavelCapReserve(keys.length, ...keys, ...args),
        );
      } catch (error) {
        // The reservation may have been made before the reply was lost. Give it back (the release runs after it on
        // the same connection); if Redis is gone, its deadline gives it back instead.
        this.release(request).catch(() => {});
        throw error;
      }
      return attempt[0] === -2 ? "unseeded" : attempt;
    });
    if (reply[0] === 1) return { ok: true };
    if (reply[0] === 0) {
      return { ok: false, exhausted: request.units[reply[1] - 1]!.key, limit: reply[2], by: reply[3] };
    }
    throw new Error(`cap reservation ${request.reservationId} is already ${reply[1]}`);
  }

  async commit(ref: ReservationRef, units: readonly CapUnit[] = []): Promise<CommitOutcome> {
    const keys = [
      this.#reservationKey(ref),
      this.#deadlinesKey(ref.buyerId),
      this.#seedGuard?.markerKey ?? this.#deadlinesKey(ref.buyerId),
      ...units.map((unit) => this.#counterKey(ref.buyerId, unit.key)),
    ];
    const args: (string | number)[] = [this.#finishedRetentionMs, this.#seedGuard ? 1 : 0];
    for (const unit of units) args.push(unit.cents, unit.periodEndsAt);
    return await withSeededState(this.#seedGuard, () =>
      this.#command("commit", () => this.#redis.gavelCapCommit(keys.length, ...keys, ...args)),
    );
  }

  async release(ref: ReservationRef): Promise<void> {
    await this.#command("release", () =>
      this.#redis.gavelCapRelease(
        this.#reservationKey(ref),
        this.#deadlinesKey(ref.buyerId),
        this.#finishedRetentionMs,
      ),
    );
  }

  async raiseCommittedCents(
    buyerId: string,
    key: string,
    cents: number,
    periodEndsAt: number,
  ): Promise<void> {
    if (cents <= 0) return;
    await this.#command("raiseCommittedCents", () =>
      this.#redis.gavelCapRaise(this.#counterKey(buyerId, key), cents, periodEndsAt),
    );
  }

  /**
   * Puts back committed usage after Redis lost it (the store's sales of the current periods, prepaid buyers' spend):
   * each counter is raised to at least the seed, so repeating it, or racing a sale counted meanwhile, never counts a
   * sale twice. Returns how many counters were written (a period already over is skipped).
   */
  async seedCommitted(seeds: readonly CapUsageSeed[]): Promise<number> {
    let written = 0;
    for (let start = 0; start < seeds.length; start += SEED_BATCH) {
      const batch = seeds.slice(start, start + SEED_BATCH);
      const replies = await this.#command("seedCommitted", async () => {
        const pipeline = this.#redis.pipeline() as unknown as {
          gavelCapSeed(key: string, count: number, cents: number, periodEndsAt: number): void;
          exec(): Promise<[Error | null, unknown][] | null>;
        };
        for (const seed of batch) {
          pipeline.gavelCapSeed(
            this.#counterKey(seed.buyerId, seed.key),
            seed.count,
            seed.cents,
            seed.periodEndsAt,
          );
        }
        return pipeline.exec();
      });
      for (const [error, value] of replies ?? []) {
        if (error) throw error;
        written += Number(value);
      }
    }
    return written;
  }

  async usage(buyerId: string, key: string): Promise<CapUsage> {
    const [count, cents, reservedCount, reservedCents, heldCount, heldCents] = await this.#command(
      "usage",
      () =>
        this.#redis.gavelCapUsage(
          this.#deadlinesKey(buyerId),
          this.#counterKey(buyerId, key),
          this.#finishedRetentionMs,
        ),
    );
    return {
      committed: { count: Number(count ?? 0), cents: Number(cents ?? 0) },
      reserved: {
        count: Number(reservedCount ?? 0) + Number(heldCount ?? 0),
        cents: Number(reservedCents ?? 0) + Number(heldCents ?? 0),
      },
      held: { count: Number(heldCount ?? 0), cents: Number(heldCents ?? 0) },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #counterKey(buyerId: string, key: string): string {
    return `${this.#keyPrefix}:{b:${buyerId}}:cap:${key}`;
  }

  #reservationKey(ref: ReservationRef): string {
    return `${this.#keyPrefix}:{b:${ref.buyerId}}:res:${ref.reservationId}`;
  }

  #deadlinesKey(buyerId: string): string {
    return `${this.#keyPrefix}:{b:${buyerId}}:deadlines`;
  }

  #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return runCounterCommand(this.#connection, "cap ledger", operation, run);
  }
}
