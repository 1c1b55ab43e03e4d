// Caps in Redis, shared by every exchange instance: each operation is one Lua script, so a reservation across several
// caps is all or nothing however many instances race for the last unit.
//
// Key layout (one hash tag per buyer, so a reservation's keys share one Redis Cluster slot):
//   <prefix>:{b:<buyer>}:counter:<unit key>   hash  running totals, so that each step of a sale adds to two fields
//                                                   per unit rather than moving units from one field to another:
//                                                   c, m = committed count, cents; s, sm = committed + firmly
//                                                   reserved (posts in progress: what a firm reservation is checked
//                                                   against); a, am = s + held by pings not yet posted (what a hold is
//                                                   checked against, overbooked); e = the periodEndsAt the key expires
//                                                   at (so a reserve sets its expiry only when it changes).
//   <prefix>:{b:<buyer>}:reservation:<id>     hash  s = hold (a ping's) | firm (a post's) | committed | released |
//                                                   expired | late | recounted; u = JSON [[counter key, "cents"], ...]
//   <prefix>:{b:<buyer>}:reservation-deadlines zset live reservation keys scored by their deadline (Redis server time)
// (Until December 2026 the counters were `:cap:` keys holding disjoint fields c, m, rc, rm, hc, hm, and a claim or a
// commit moved each unit from one pair to another: twice the HINCRBYs. The keys were renamed with the layout, and the
// seed marker with them, so a Redis holding the old layout is re-seeded from the store rather than misread.)
//
// Expiry is lazy: every reserve and usage call for a buyer first gives back that buyer's live reservations whose
// deadline has passed (at most 1000 per call). Only a reserve can be refused for lack of capacity, and it reclaims
// first, so a reservation left by a crashed instance never blocks one; until then it only shows in `usage` as reserved
// — which also reclaims first. Deadlines use Redis's clock (TIME), so instances with skewed clocks agree on them.
//
// What costs Redis in these scripts is each redis.call (its arguments turned into Redis objects, the command looked
// up, its reply turned into Lua values) and numbers formatted or parsed on the way (C printf and strtod), more than
// the commands' own work. So the scripts pass counts as the strings '1' and '-1' and cents as the strings they
// arrived as, and read a record's fields with one HMGET.
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

-- The counter fields each step adds to, in (count, cents) pairs.
local HOLD = {'a', 'am'}
local FIRM = {'s', 'sm', 'a', 'am'}
local CLAIM = {'s', 'sm'}
local COMMIT_FIRM = {'c', 'm'}
local COMMIT_HOLD = {'c', 'm', 's', 'sm'}
local COMMIT_ANEW = {'c', 'm', 's', 'sm', 'a', 'am'}

-- Adds (sign '1') or takes back (sign '-1') one unit of each of a reservation's counters to the given fields; a counter
-- whose period has ended (its key expired) is left alone rather than made again without an expiry. live, when
-- given, holds the counters this script has just seen (key → true), which need no EXISTS.
local function addUnits(units, fields, sign, live)
  for _, unit in ipairs(units) do
    local counter, cents = unit[1], unit[2]
    if (live and live[counter]) or redis.call('EXISTS', counter) == 1 then
      if sign == '-1' and cents ~= '0' then cents = '-' .. cents end
      for f = 1, #fields, 2 do
        redis.call('HINCRBY', counter, fields[f], sign)
        redis.call('HINCRBY', counter, fields[f + 1], cents)
      end
    end
  end
end

-- What giving a live reservation back takes from its counters.
local function liveFields(state)
  if state == 'hold' then return HOLD end
  return FIRM
end

-- Moves a key's expiry to at least keepUntil.
local function keepAtLeast(key, keepUntil, now)
  if redis.call('PTTL', key) < keepUntil - now then redis.call('PEXPIREAT', key, keepUntil) end
end

-- Gives back the units of the buyer's live reservations past their deadline: up to 1000 a call, enough for an instance
-- that died mid-burst, while bounding how long one script can hold Redis. An expired record is then kept only as long
-- as a finished one (for a late commit): a long-lived counter (a buyer's funds) must not keep every abandoned one.
local function reclaimExpired(deadlines, now, retentionMs)
  for _, record in ipairs(redis.call('ZRANGEBYSCORE', deadlines, '-inf', now, 'LIMIT', 0, 1000)) do
    local found = redis.call('HMGET', record, 's', 'u')
    if found[1] == 'hold' or found[1] == 'firm' then
      addUnits(cjson.decode(found[2]), liveFields(found[1]), '-1')
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
 * A firm request on a live hold turns it into a firm reservation; on an expired one, reserves anew.
 */
const RESERVE_LUA = `${LUA_HELPERS}
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return {-2} end
local now = nowMs()
reclaimExpired(KEYS[2], now, ARGV[2])
local firm = ARGV[4] == '0'
local record = redis.call('HMGET', KEYS[1], 's', 'u')
local state = record[1]
if state == 'firm' or (state == 'hold' and not firm) then return {1} end
if state and state ~= 'hold' and not (firm and state == 'expired') then return {-1, state} end
local overbook = tonumber(ARGV[4])
-- Each counter's e (its expiry as set), read with the counts: a new reservation sets the expiry only when it changed,
-- and a counter that has one exists (every write of a counter sets it).
local expiries, live = {}, {}
for i = 4, #KEYS do
  local a = (i - 4) * 4 + 4
  local countLimit, centsLimit = ARGV[a + 1], ARGV[a + 2]
  local counts
  if firm then
    counts = redis.call('HMGET', KEYS[i], 's', 'sm', 'e')
    expiries[i] = counts[3]
  else
    counts = redis.call('HMGET', KEYS[i], 's', 'sm', 'e', 'a', 'am')
    expiries[i] = counts[3]
  end
  if counts[3] then live[KEYS[i]] = true end
  if countLimit ~= '-1' then
    local limit = tonumber(countLimit)
    if (tonumber(counts[1]) or 0) + 1 > limit then return {0, i - 3, 'count', 'sales'} end
    if not firm and (tonumber(counts[4]) or 0) + 1 > math.floor(limit * overbook) then
      return {0, i - 3, 'count', 'holds'}
    end
  end
  if centsLimit ~= '-1' then
    local limit, unitCents = tonumber(centsLimit), tonumber(ARGV[a + 3])
    if (tonumber(counts[2]) or 0) + unitCents > limit then return {0, i - 3, 'cents', 'sales'} end
    if not firm and (tonumber(counts[5]) or 0) + unitCents > math.floor(limit * overbook) then
      return {0, i - 3, 'cents', 'holds'}
    end
  end
end
local deadline = now + tonumber(ARGV[1])
local keepUntil = deadline + tonumber(ARGV[2])
if state == 'hold' then
  -- A post claims its ping's hold: its units, already in a, count as sales too, for the post's own ttl.
  addUnits(cjson.decode(record[2]), CLAIM, '1', live)
  redis.call('HSET', KEYS[1], 's', 'firm')
  redis.call('ZADD', KEYS[2], deadline, KEYS[1])
  keepAtLeast(KEYS[1], keepUntil, now)
  keepAtLeast(KEYS[2], keepUntil, now)
  return {1}
end
local fields = HOLD
if firm then fields = FIRM end
local units = {}
for i = 4, #KEYS do
  local a = (i - 4) * 4 + 4
  local cents, periodEndsAt = ARGV[a + 3], ARGV[a + 4]
  local endsAt = tonumber(periodEndsAt)
  -- A period already over cannot be overshot: nothing to count.
  if endsAt > now then
    for f = 1, #fields, 2 do
      redis.call('HINCRBY', KEYS[i], fields[f], '1')
      redis.call('HINCRBY', KEYS[i], fields[f + 1], cents)
    end
    if expiries[i] ~= periodEndsAt then
      redis.call('HSET', KEYS[i], 'e', periodEndsAt)
      redis.call('PEXPIREAT', KEYS[i], periodEndsAt)
    end
    units[#units + 1] = {KEYS[i], cents}
    if endsAt > keepUntil then keepUntil = endsAt end
  end
end
local kind = 'hold'
if firm then kind = 'firm' end
redis.call('HSET', KEYS[1], 's', kind, 'u', cjson.encode(units))
-- Kept until its counters are gone even if never reclaimed, so that losing it can never lose a reserved unit.
redis.call('PEXPIREAT', KEYS[1], keepUntil)
redis.call('ZADD', KEYS[2], deadline, KEYS[1])
keepAtLeast(KEYS[2], keepUntil, now)
return {1}`;

/**
 * KEYS: reservation, deadlines, seed marker, counter per unit (none: nothing to recount). ARGV: retentionMs, whether to
 * check the seed marker (1/0), then per unit cents, periodEndsAt. Returns the CommitOutcome, or 'unseeded' when the
 * reservation is gone and so is the seed marker (recounting now would be overwritten by the seed: seed first).
 */
const COMMIT_LUA = `${LUA_HELPERS}
local record = redis.call('HMGET', KEYS[1], 's', 'u')
local state = record[1]
if not state then
  if #KEYS <= 3 then return 'unknown' end
  if ARGV[2] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return 'unseeded' end
  -- Reserved (the caller says so, giving its units) but unknown: Redis lost it. The sale happened: count it.
  local now = nowMs()
  local units = {}
  for i = 4, #KEYS do
    local a = (i - 4) * 2 + 2
    local cents, periodEndsAt = ARGV[a + 1], ARGV[a + 2]
    if tonumber(periodEndsAt) > now then
      for f = 1, #COMMIT_ANEW, 2 do
        redis.call('HINCRBY', KEYS[i], COMMIT_ANEW[f], '1')
        redis.call('HINCRBY', KEYS[i], COMMIT_ANEW[f + 1], cents)
      end
      redis.call('HSET', KEYS[i], 'e', periodEndsAt)
      redis.call('PEXPIREAT', KEYS[i], periodEndsAt)
      units[#units + 1] = {KEYS[i], cents}
    end
  end
  redis.call('HSET', KEYS[1], 's', 'recounted', 'u', cjson.encode(units))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return 'recounted'
end
local fields
if state == 'firm' then
  fields, state = COMMIT_FIRM, 'committed'
elseif state == 'hold' then
  fields, state = COMMIT_HOLD, 'committed'
elseif state == 'expired' then
  -- Given back when it expired: counted anew.
  fields, state = COMMIT_ANEW, 'late'
else
  -- committed, released, late, or recounted by an earlier call: idempotent.
  return state
end
addUnits(cjson.decode(record[2]), fields, '1')
redis.call('HSET', KEYS[1], 's', state)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return state`;

/** KEYS: reservation, deadlines. ARGV: retentionMs. */
const RELEASE_LUA = `${LUA_HELPERS}
local record = redis.call('HMGET', KEYS[1], 's', 'u')
if record[1] ~= 'hold' and record[1] ~= 'firm' then return 0 end
addUnits(cjson.decode(record[2]), liveFields(record[1]), '-1')
redis.call('HSET', KEYS[1], 's', 'released')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return 1`;

/**
 * Raises one committed field (c or m) of a counter to at least the target, and the running totals that include it (s
 * and a, or sm and am) by as much; sets the expiry when it changed. Seeding and raising are rare: numbers are fine here.
 */
const RAISE_HELPER = `
local function raiseCommitted(counter, committed, field, salesField, allField, target)
  local more = target - (tonumber(committed) or 0)
  if more <= 0 then return 0 end
  -- As an integer's digits: Lua's own formatting of a number past 14 digits has an exponent, which HINCRBY refuses.
  more = string.format('%d', more)
  redis.call('HINCRBY', counter, field, more)
  redis.call('HINCRBY', counter, salesField, more)
  redis.call('HINCRBY', counter, allField, more)
  return 1
end

local function expireAt(counter, expiry, periodEndsAt)
  if expiry ~= periodEndsAt then
    redis.call('HSET', counter, 'e', periodEndsAt)
    redis.call('PEXPIREAT', counter, periodEndsAt)
  end
end
`;

/** KEYS: counter. ARGV: cents, periodEndsAt. */
const RAISE_LUA = `${LUA_HELPERS}${RAISE_HELPER}
if tonumber(ARGV[2]) <= nowMs() then return 0 end
local held = redis.call('HMGET', KEYS[1], 'm', 'e')
if raiseCommitted(KEYS[1], held[1], 'm', 'sm', 'am', tonumber(ARGV[1])) == 0 then return 0 end
expireAt(KEYS[1], held[2], ARGV[2])
return 1`;

/**
 * KEYS: counter. ARGV: count, cents, periodEndsAt. Raises committed count and cents to at least the store's figures
 * (never lowers, never adds: seeding twice, or after a sale counted meanwhile, cannot count a sale twice).
 */
const SEED_LUA = `${LUA_HELPERS}${RAISE_HELPER}
if tonumber(ARGV[3]) <= nowMs() then return 0 end
local held = redis.call('HMGET', KEYS[1], 'c', 'm', 'e')
raiseCommitted(KEYS[1], held[1], 'c', 's', 'a', tonumber(ARGV[1]))
raiseCommitted(KEYS[1], held[2], 'm', 'sm', 'am', tonumber(ARGV[2]))
expireAt(KEYS[1], held[3], ARGV[3])
return 1`;

/** KEYS: deadlines, counter. ARGV: retentionMs. */
const USAGE_LUA = `${LUA_HELPERS}
reclaimExpired(KEYS[1], nowMs(), ARGV[1])
return redis.call('HMGET', KEYS[2], 'c', 'm', 's', 'sm', 'a', 'am')`;

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
    const totals = await this.#command("usage", () =>
      this.#redis.gavelCapUsage(
        this.#deadlinesKey(buyerId),
        this.#counterKey(buyerId, key),
        this.#finishedRetentionMs,
      ),
    );
    const [count, cents, salesCount, salesCents, allCount, allCents] = totals.map((value) =>
      Number(value ?? 0),
    );
    return {
      committed: { count: count!, cents: cents! },
      reserved: { count: allCount! - count!, cents: allCents! - cents! },
      held: { count: allCount! - salesCount!, cents: allCents! - salesCents! },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #counterKey(buyerId: string, key: string): string {
    return `${this.#keyPrefix}:{b:${buyerId}}:counter:${key}`;
  }

  #reservationKey(ref: ReservationRef): string {
    return `${this.#keyPrefix}:{b:${ref.buyerId}}:reservation:${ref.reservationId}`;
  }

  #deadlinesKey(buyerId: string): string {
    return `${this.#keyPrefix}:{b:${buyerId}}:reservation-deadlines`;
  }

  #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return runCounterCommand(this.#connection, "cap ledger", operation, run);
  }
}
