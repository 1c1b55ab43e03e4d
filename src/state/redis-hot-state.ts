// Hot state in Redis, shared by every exchange instance. Everything about one ping shares a hash tag ({p:<pingId>}),
// so a script that touches several of its keys works on Redis Cluster too.

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { PingRecord } from "../domain/records.ts";
import { ServiceUnavailableError } from "../errors.ts";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  type OnSharedConnection,
} from "./counters/redis-counter-connection.ts";
import type { HotState, PostClaim } from "./hot-state.ts";
import { connectRedis, type RedisConnection } from "./redis/redis-connection.ts";
import { type SeedGuard, withSeededState } from "./redis/seed-marker.ts";

export interface RedisHotStateOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Namespace of every key, so several exchanges (or test runs) can share one Redis. Default "gavel". */
  keyPrefix?: string;
  /** How long one command may take before it fails with a clear error. Default 1000. */
  commandTimeoutMs?: number;
  /** CLIENT SETNAME of the connection. Default "gavel-hot-state". */
  connectionName?: string;
  /** Wall clock (epoch ms) used to turn a ping's expires_at into a TTL; injectable for tests. Default Date.now. */
  now?: () => number;
  /** Connection errors while running; the client keeps reconnecting. Default: ignored (commands still fail clearly). */
  onError?: (error: Error) => void;
  /**
   * Reads of held pings check the seed marker in the same round trip: when Redis lost its data, the held pings are put
   * back from the store before a post is answered (otherwise the post would find its ping gone).
   */
  seedGuard?: SeedGuard;
}

/** A completed claim on a ping whose held record is gone (or never had a TTL) lives this long. */
const DEFAULT_CLAIM_TTL_MS = 60 * 60 * 1000;

/** Claims the post as a lease: the key holds the claimant's token and lapses unless renewed. */
const CLAIM_POST_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return 1 end
return 0`;

/**
 * A post's read of its held ping and its claim (CLAIM_POST_LUA's) in one call, claimed only when the ping is held.
 * KEYS: the held ping, its claim, and (with a seed guard) the seed marker. Answers {-1} when the marker is gone (nothing
 * read or claimed: the caller re-seeds and asks again), {0} when the ping is not held, {1, json} held and claimed,
 * {2, json} held and claimed by another post.
 */
const CLAIM_HELD_PING_LUA = `
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 0 then return {-1} end
local json = redis.call('GET', KEYS[1])
if not json then return {0} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return {1, json} end
return {2, json}`;

/** Extends the lease only if it is still this caller's. */
const RENEW_OWN_CLAIM_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 0`;

/** A carried-out post keeps its claim as long as the held ping lives, so it outlives every post that could race. */
const COMPLETE_OWN_CLAIM_LUA = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then ttl = tonumber(ARGV[2]) end
redis.call('SET', KEYS[2], 'done', 'PX', ttl)
return 1`;

/**
 * A sold ping's drop, completing its post's claim in the same call: the exchange drops the held ping once the sale is
 * recorded and completes the claim just after, so the claim's completion is done here and answered there without a
 * round trip. Like COMPLETE_OWN_CLAIM_LUA, the claim is kept at least as long as the held ping would have lived.
 */
const DROP_PING_COMPLETING_CLAIM_LUA = `
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local defaultTtl = tonumber(ARGV[2])
if ttl < defaultTtl then ttl = defaultTtl end
redis.call('SET', KEYS[2], 'done', 'PX', ttl)
return 1`;

/** Gives back a claim only if it is still the one this caller made. */
const RELEASE_OWN_CLAIM_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface HotStateScripts {
  gavelClaimPost(claimKey: string, token: string, leaseMs: number): Promise<number>;
  /** Keys: the held ping, its claim[, the seed marker]; then the token and the lease. */
  gavelClaimHeldPing(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<[number, string?]>;
  gavelRenewOwnClaim(claimKey: string, token: string, leaseMs: number): Promise<number>;
  gavelCompleteOwnClaim(
    heldKey: string,
    claimKey: string,
    token: string,
    defaultTtlMs: number,
  ): Promise<number>;
  gavelReleaseOwnClaim(claimKey: string, token: string): Promise<number>;
  gavelDropPingCompletingClaim(
    heldKey: string,
    claimKey: string,
    token: string,
    defaultTtlMs: number,
  ): Promise<number>;
}

/** A claim this instance holds on a ping's post (until it is completed or released). */
interface OwnClaim {
  token: string;
  /** Completed already, by the held ping's drop: its complete() needs no round trip. */
  completed: boolean;
}

/** Bounds the memory kept for claims to give back during a long outage; past it, they expire on their own. */
const MAX_OWED_RELEASES = 10_000;
/** Bounds the claims remembered for their ping's drop; past it, the oldest is forgotten (its complete() is a trip). */
const MAX_OWN_CLAIMS = 10_000;

export class RedisHotState implements HotState {
  readonly #connection: RedisConnection;
  readonly #redis: Redis & HotStateScripts;
  readonly #keyPrefix: string;
  readonly #now: () => number;
  readonly #seedGuard: SeedGuard | undefined;
  /**
   * Claims that may have been made though their reply was lost (token → claim key: retries of one post during an
   * outage each owe one, and only the first may hold the claim). Nobody carries out those posts, so each is given back
   * as soon as Redis is reachable again; otherwise the ping would answer 409 until it expired.
   */
  readonly #owedReleases = new Map<string, string>();
  /** Claims held on posts in progress, by ping id: a sold ping's drop completes its claim in the same call. */
  readonly #ownClaims = new Map<string, OwnClaim>();
  readonly #ownsConnection: boolean;
  readonly #onReady = () => void this.#payOwedReleases();
  #closed = false;

  private constructor(
    connection: RedisConnection,
    ownsConnection: boolean,
    options: OnSharedConnection<RedisHotStateOptions>,
  ) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    this.#keyPrefix = checkedKeyPrefix(options.keyPrefix);
    this.#now = options.now ?? Date.now;
    this.#seedGuard = options.seedGuard;
    const redis = connection.client;
    redis.defineCommand("gavelClaimPost", { numberOfKeys: 1, lua: CLAIM_POST_LUA });
    redis.defineCommand("gavelClaimHeldPing", { lua: CLAIM_HELD_PING_LUA });
    redis.defineCommand("gavelRenewOwnClaim", { numberOfKeys: 1, lua: RENEW_OWN_CLAIM_LUA });
    redis.defineCommand("gavelCompleteOwnClaim", { numberOfKeys: 2, lua: COMPLETE_OWN_CLAIM_LUA });
    redis.defineCommand("gavelReleaseOwnClaim", { numberOfKeys: 1, lua: RELEASE_OWN_CLAIM_LUA });
    redis.defineCommand("gavelDropPingCompletingClaim", {
      numberOfKeys: 2,
      lua: DROP_PING_COMPLETING_CLAIM_LUA,
    });
    this.#redis = redis as Redis & HotStateScripts;
    redis.on("ready", this.#onReady);
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisHotStateOptions): Promise<RedisHotState> {
    const connection = await connectRedis({
      url: options.url,
      commandTimeoutMs: options.commandTimeoutMs ?? 1000,
      connectionName: options.connectionName ?? "gavel-hot-state",
      ...(options.onError ? { onError: options.onError } : {}),
    });
    return new RedisHotState(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(connection: RedisConnection, options: OnSharedConnection<RedisHotStateOptions>): RedisHotState {
    return new RedisHotState(connection, false, options);
  }

  async holdPing(ping: PingRecord): Promise<void> {
    const ttlMs = Math.ceil(ping.expires_at - this.#now());
    if (ttlMs <= 0) return;
    await this.#command("holdPing", () =>
      this.#redis.set(this.#heldKey(ping.id), JSON.stringify(ping), "PX", ttlMs),
    );
  }

  async getHeldPing(pingId: string, now: number): Promise<PingRecord | undefined> {
    const json = await withSeededState(this.#seedGuard, () => this.#readHeld(pingId));
    if (json === null) return undefined;
    const ping = parseHeldPing(pingId, json);
    return ping.expires_at > now ? ping : undefined;
  }

  /** The held ping's JSON (null: not held), or "unseeded" when the seed marker is gone (read in the same trip). */
  async #readHeld(pingId: string): Promise<string | null | "unseeded"> {
    const guard = this.#seedGuard;
    if (!guard) return await this.#command("getHeldPing", () => this.#redis.get(this.#heldKey(pingId)));
    const [json, seeded] = await this.#command("getHeldPing", () =>
      this.#redis.mget(this.#heldKey(pingId), guard.markerKey),
    );
    return seeded === null ? "unseeded" : (json ?? null);
  }

  async claimPost(pingId: string, leaseMs: number): Promise<PostClaim | undefined> {
    const claimKey = this.#claimKey(pingId);
    const token = randomUUID();
    const sentAt = performance.now();
    try {
      const claimed = await this.#command("claimPost", () =>
        this.#redis.gavelClaimPost(claimKey, token, leaseMs),
      );
      return claimed === 1 ? this.#claim(pingId, token, leaseMs, sentAt) : undefined;
    } catch (error) {
      this.#oweRelease(claimKey, token);
      throw error;
    }
  }

  /**
   * A claim that may have been made before its reply was lost: nobody will carry out that post, so it is given back
   * now, or as soon as Redis is reachable again, rather than block the source's retries until it expires.
   */
  #oweRelease(claimKey: string, token: string): void {
    this.#redis.gavelReleaseOwnClaim(claimKey, token).catch(() => {
      if (this.#owedReleases.size < MAX_OWED_RELEASES) this.#owedReleases.set(token, claimKey);
    });
  }

  async claimHeldPing(
    pingId: string,
    now: number,
    leaseMs: number,
  ): Promise<{ ping: PingRecord; claim: PostClaim | undefined } | undefined> {
    const heldKey = this.#heldKey(pingId);
    const claimKey = this.#claimKey(pingId);
    const token = randomUUID();
    const marker = this.#seedGuard?.markerKey;
    let sentAt = 0;
    const ask = async (): Promise<[number, string?] | "unseeded"> => {
      sentAt = performance.now();
      const answer = await this.#command("claimHeldPing", () =>
        marker === undefined
          ? this.#redis.gavelClaimHeldPing(2, heldKey, claimKey, token, leaseMs)
          : this.#redis.gavelClaimHeldPing(3, heldKey, claimKey, marker, token, leaseMs),
      );
      return answer[0] === -1 ? "unseeded" : answer;
    };
    let answer: [number, string?];
    try {
      answer = await withSeededState(this.#seedGuard, ask);
    } catch (error) {
      // As claimPost: the claim may have been made before the reply was lost; give it back.
      this.#oweRelease(claimKey, token);
      throw error;
    }
    const [state, json] = answer;
    if (state === 0 || json === undefined) return undefined;
    const claim = state === 1 ? this.#claim(pingId, token, leaseMs, sentAt) : undefined;
    const ping = parseHeldPing(pingId, json);
    if (ping.expires_at > now) return { ping, claim };
    // Expired (its key had not lapsed yet): not held, as getHeldPing answers; nobody may post it.
    await claim?.release().catch(() => {});
    return undefined;
  }

  /** `extendedAt`: when the claim that took the lease was sent (monotonic ms). */
  #claim(pingId: string, token: string, leaseMs: number, extendedAt: number): PostClaim {
    const claimKey = this.#claimKey(pingId);
    const own: OwnClaim = { token, completed: false };
    if (this.#ownClaims.size >= MAX_OWN_CLAIMS) this.#ownClaims.delete(this.#ownClaims.keys().next().value!);
    this.#ownClaims.set(pingId, own);
    const forget = () => {
      if (this.#ownClaims.get(pingId) === own) this.#ownClaims.delete(pingId);
    };
    return {
      renew: async () => {
        // Redis counts a lease's length from when it runs the command, after it was sent: one taken or extended less
        // than a tenth of it ago is still this caller's. So the post's first attempt, begun moments after the claim,
        // asks without a round trip; the renewals every third of the lease always go out.
        if (performance.now() - extendedAt < leaseMs / 10) return true;
        const sentAt = performance.now();
        const renewed =
          (await this.#command("renewPost", () =>
            this.#redis.gavelRenewOwnClaim(claimKey, token, leaseMs),
          )) === 1;
        if (renewed) extendedAt = sentAt;
        return renewed;
      },
      complete: async () => {
        forget();
        if (own.completed) return;
        await this.#command("completePost", () =>
          this.#redis.gavelCompleteOwnClaim(this.#heldKey(pingId), claimKey, token, DEFAULT_CLAIM_TTL_MS),
        );
      },
      release: async () => {
        forget();
        await this.#command("releasePost", () => this.#redis.gavelReleaseOwnClaim(claimKey, token));
      },
    };
  }

  async dropPing(pingId: string): Promise<void> {
    // The claim stays until it expires, so a post racing on another instance still loses; the store answers retries.
    const own = this.#ownClaims.get(pingId);
    if (!own) {
      await this.#command("dropPing", () => this.#redis.del(this.#heldKey(pingId)));
      return;
    }
    // This instance's post of the ping sold it (the exchange drops a held ping only once its sale is recorded): its
    // claim is completed with the drop, and its complete() is then answered without a round trip.
    this.#ownClaims.delete(pingId);
    await this.#command("dropPing", () =>
      this.#redis.gavelDropPingCompletingClaim(
        this.#heldKey(pingId),
        this.#claimKey(pingId),
        own.token,
        DEFAULT_CLAIM_TTL_MS,
      ),
    );
    own.completed = true;
  }

  async ping(): Promise<void> {
    await this.#command("PING", () => this.#redis.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.client.off("ready", this.#onReady);
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #heldKey(pingId: string): string {
    return `${this.#keyPrefix}:{p:${pingId}}:held`;
  }

  #claimKey(pingId: string): string {
    return `${this.#keyPrefix}:{p:${pingId}}:claim`;
  }

  async #payOwedReleases(): Promise<void> {
    for (const [token, claimKey] of [...this.#owedReleases]) {
      try {
        await this.#redis.gavelReleaseOwnClaim(claimKey, token);
        this.#owedReleases.delete(token);
      } catch {
        return; // Lost again: the next "ready" tries the rest.
      }
    }
  }

  /** Runs one command; a failure names Redis, the operation and the reason (not ioredis's internal wording). */
  async #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const reason =
        this.#connection.unavailableReason() ?? (error instanceof Error ? error.message : String(error));
      throw new ServiceUnavailableError(
        `Redis hot state at ${this.#connection.address}: ${operation} failed: ${reason}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** A corrupt value is our fault, not the caller's: never let it surface as a SyntaxError (which reads as bad input). */
function parseHeldPing(pingId: string, json: string): PingRecord {
  try {
    return JSON.parse(json) as PingRecord;
  } catch (error) {
    throw new Error(`Redis hot state: the held ping ${pingId} is not valid JSON`, { cause: error });
  }
}
