// One suite over every CapLedger: the memory default and Redis (GAVEL_TEST_REDIS_URL, which must be up).
// DESIGN rule 6: a cap unit is reserved when a bid wins, committed when the post is accepted, released when it fails —
// atomically, all or nothing across a reservation's caps, never overshooting under concurrency.
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import type { CapLedger, CapUnit, ReserveRequest } from "../../../src/state/counters/cap-ledger.ts";
import { CAP_LEDGERS } from "./counter-implementations.ts";

const BUYER = "b1";
const LONG_TTL_MS = 60_000;

/** A period that ends well after the test. */
const periodEndsAt = () => Date.now() + 3_600_000;

function unit(key: string, limits: Partial<CapUnit> = {}): CapUnit {
  return { key, cents: 1000, periodEndsAt: periodEndsAt(), ...limits };
}

function request(reservationId: string, units: CapUnit[], ttlMs = LONG_TTL_MS): ReserveRequest {
  return { buyerId: BUYER, reservationId, units, ttlMs };
}

const ref = (reservationId: string) => ({ buyerId: BUYER, reservationId });

const zero = { count: 0, cents: 0 };

for (const impl of CAP_LEDGERS) {
  describe(impl.name, () => {
    let ledger: CapLedger;
    const time = impl.time!;
    const SHORT_TTL_MS = time.shortTtlMs;
    /** Long enough for a short TTL to have passed. */
    const outlive = () => time.elapse(2 * SHORT_TTL_MS);

    beforeEach(async () => {
      ledger = await impl.create();
    });

    afterEach(async () => {
      await ledger.close();
    });

    after(async () => {
      await impl.cleanup?.();
    });

    test("a reservation counts as reserved, then as committed once the post is accepted", async () => {
      const day = unit("campaign:c1:day:2026-11-21", { countLimit: 10, cents: 2500 });
      assert.deepEqual(await ledger.reserve(request("r1", [day])), { ok: true });
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: { count: 1, cents: 2500 },
        held: { count: 0, cents: 0 },
      });

      assert.equal(await ledger.commit(ref("r1")), "committed");
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: { count: 1, cents: 2500 },
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
    });

    test("spend past 14 digits of cents is counted exactly, reserved and committed", async () => {
      // Redis's scripts write counters from Lua numbers, whose default text keeps 14 significant digits.
      const cents = 123_456_789_012_347;
      const lifetime = unit("buyer:b1:funds", { cents, centsLimit: 10 * cents });
      for (const id of ["r1", "r2"])
        assert.deepEqual(await ledger.reserve(request(id, [lifetime])), { ok: true });
      assert.deepEqual((await ledger.usage(BUYER, lifetime.key)).reserved, { count: 2, cents: 2 * cents });
      assert.equal(await ledger.commit(ref("r1")), "committed");
      assert.deepEqual(await ledger.usage(BUYER, lifetime.key), {
        committed: { count: 1, cents },
        reserved: { count: 1, cents },
        held: zero,
      });
    });

    test("a released reservation gives its units back", async () => {
      const day = unit("campaign:c1:day:2026-11-21", { countLimit: 1 });
      assert.deepEqual(await ledger.reserve(request("r1", [day])), { ok: true });
      assert.equal((await ledger.reserve(request("r2", [day]))).ok, false);

      await ledger.release(ref("r1"));
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
      assert.deepEqual(await ledger.reserve(request("r2", [day])), { ok: true });
    });

    test("reserved units count against the limit before they are committed", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 2 });
      await ledger.reserve(request("r1", [day]));
      await ledger.commit(ref("r1"));
      assert.deepEqual(await ledger.reserve(request("r2", [day])), { ok: true });
      assert.deepEqual(await ledger.reserve(request("r3", [day])), {
        ok: false,
        exhausted: day.key,
        limit: "count",
        by: "sales",
      });
    });

    test("a spend cap refuses the lead that would take it past the limit, not only the one after", async () => {
      const spend = unit("buyer:b1:day:d", { centsLimit: 5000, cents: 2000 });
      assert.equal((await ledger.reserve(request("r1", [spend]))).ok, true);
      assert.equal((await ledger.reserve(request("r2", [spend]))).ok, true);
      assert.deepEqual(await ledger.reserve(request("r3", [spend])), {
        ok: false,
        exhausted: spend.key,
        limit: "cents",
        by: "sales",
      });
      // A cheaper lead still fits exactly.
      assert.equal((await ledger.reserve(request("r4", [{ ...spend, cents: 1000 }]))).ok, true);
      assert.deepEqual((await ledger.usage(BUYER, spend.key)).reserved, { count: 3, cents: 5000 });
    });

    test("all or nothing across three caps: when one would overshoot, none is reserved", async () => {
      const campaignDay = unit("campaign:c1:day:d", { countLimit: 10 });
      const buyerMonth = unit("buyer:b1:month:m", { centsLimit: 100_000 });
      const sourceCampaignHour = unit("source:s1:campaign:c1:hour:h", { countLimit: 1 });
      assert.equal((await ledger.reserve(request("first", [sourceCampaignHour]))).ok, true);

      const result = await ledger.reserve(request("r1", [campaignDay, buyerMonth, sourceCampaignHour]));
      assert.deepEqual(result, { ok: false, exhausted: sourceCampaignHour.key, limit: "count", by: "sales" });
      assert.deepEqual(await ledger.usage(BUYER, campaignDay.key), {
        committed: zero,
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
      assert.deepEqual(await ledger.usage(BUYER, buyerMonth.key), {
        committed: zero,
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
      assert.deepEqual((await ledger.usage(BUYER, sourceCampaignHour.key)).reserved, {
        count: 1,
        cents: 1000,
      });

      // Once the full cap frees up, the same three reserve together and commit together.
      await ledger.release(ref("first"));
      assert.deepEqual(await ledger.reserve(request("r1", [campaignDay, buyerMonth, sourceCampaignHour])), {
        ok: true,
      });
      assert.equal(await ledger.commit(ref("r1")), "committed");
      for (const cap of [campaignDay, buyerMonth, sourceCampaignHour]) {
        assert.deepEqual(await ledger.usage(BUYER, cap.key), {
          committed: { count: 1, cents: 1000 },
          reserved: zero,
          held: { count: 0, cents: 0 },
        });
      }
    });

    test("the first cap in request order that would overshoot is the one named", async () => {
      const a = unit("campaign:c1:day:d", { countLimit: 0 });
      const b = unit("buyer:b1:day:d", { centsLimit: 0 });
      assert.deepEqual(await ledger.reserve(request("r1", [a, b])), {
        ok: false,
        exhausted: a.key,
        limit: "count",
        by: "sales",
      });
      assert.deepEqual(await ledger.reserve(request("r1", [b, a])), {
        ok: false,
        exhausted: b.key,
        limit: "cents",
        by: "sales",
      });
    });

    test("a unit without limits is only counted", async () => {
      const tracked = unit("campaign:c1:day:d", { cents: 700 });
      for (const id of ["r1", "r2", "r3"])
        assert.equal((await ledger.reserve(request(id, [tracked]))).ok, true);
      assert.deepEqual((await ledger.usage(BUYER, tracked.key)).reserved, { count: 3, cents: 2100 });
    });

    test("reserve, commit and release are idempotent", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 5 });
      await ledger.reserve(request("r1", [day]));
      assert.deepEqual(await ledger.reserve(request("r1", [day])), { ok: true });
      assert.deepEqual((await ledger.usage(BUYER, day.key)).reserved, { count: 1, cents: 1000 });

      assert.equal(await ledger.commit(ref("r1")), "committed");
      assert.equal(await ledger.commit(ref("r1")), "committed");
      await ledger.release(ref("r1")); // too late: the post was accepted
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: { count: 1, cents: 1000 },
        reserved: zero,
        held: { count: 0, cents: 0 },
      });

      await ledger.reserve(request("r2", [day]));
      await ledger.release(ref("r2"));
      await ledger.release(ref("r2"));
      assert.equal(await ledger.commit(ref("r2")), "released");
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: { count: 1, cents: 1000 },
        reserved: zero,
        held: { count: 0, cents: 0 },
      });

      assert.equal(await ledger.commit(ref("never-reserved")), "unknown");
      await ledger.release(ref("never-reserved"));
      await assert.rejects(ledger.reserve(request("r1", [day])), /r1 is already committed/);
    });

    test("a reservation neither committed nor released in time gives its units back", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 1, cents: 400 });
      assert.equal((await ledger.reserve(request("crashed", [day], SHORT_TTL_MS))).ok, true);
      assert.equal((await ledger.reserve(request("r2", [day]))).ok, false);

      await outlive();
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
      assert.deepEqual(await ledger.reserve(request("r2", [day])), { ok: true });
      // Releasing the expired one later gives nothing back twice.
      await ledger.release(ref("crashed"));
      assert.deepEqual((await ledger.usage(BUYER, day.key)).reserved, { count: 1, cents: 400 });
    });

    test("expiry is noticed by the reserve that needs the room, without a usage call first", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 1 });
      await ledger.reserve(request("crashed", [day], SHORT_TTL_MS));
      await outlive();
      assert.deepEqual(await ledger.reserve(request("r2", [day])), { ok: true });
    });

    test("a commit after expiry still counts the sale, and says it was late", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 5, cents: 300 });
      await ledger.reserve(request("slow", [day], SHORT_TTL_MS));
      await outlive();
      await ledger.usage(BUYER, day.key); // reclaims it
      assert.equal(await ledger.commit(ref("slow")), "late");
      assert.equal(await ledger.commit(ref("slow")), "late");
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: { count: 1, cents: 300 },
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
    });

    test("a counter is forgotten once its period ends", async () => {
      const hour = unit("campaign:c1:hour:h", { countLimit: 1, periodEndsAt: time.now() + SHORT_TTL_MS });
      await ledger.reserve(request("r1", [hour]));
      await ledger.commit(ref("r1"));
      assert.equal((await ledger.reserve(request("r2", [hour]))).ok, false);
      await outlive();
      assert.deepEqual(await ledger.usage(BUYER, hour.key), {
        committed: zero,
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
    });

    test("pings' holds may overbook a cap by the factor; a post's firm reservation counts sales and posts only", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 2 });
      const hold = (id: string) => ledger.reserve({ ...request(id, [day]), hold: { overbook: 2 } });
      for (const id of ["h1", "h2", "h3", "h4"]) assert.deepEqual(await hold(id), { ok: true });
      assert.deepEqual(await hold("h5"), { ok: false, exhausted: day.key, limit: "count", by: "holds" });
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: { count: 4, cents: 4000 },
        held: { count: 4, cents: 4000 },
      });
      // The post of h1 claims its hold; a fallback (f1) reserves anew: both fit, four holds notwithstanding.
      assert.deepEqual(await ledger.reserve(request("h1", [day])), { ok: true });
      assert.deepEqual(await ledger.reserve(request("f1", [day])), { ok: true });
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: { count: 5, cents: 5000 },
        held: { count: 3, cents: 3000 },
      });
      // Full of posts in progress: the next post (h2's) is refused as sold out, and so is any new ping's hold.
      assert.deepEqual(await ledger.reserve(request("h2", [day])), {
        ok: false,
        exhausted: day.key,
        limit: "count",
        by: "sales",
      });
      assert.deepEqual(await hold("h6"), { ok: false, exhausted: day.key, limit: "count", by: "sales" });
      assert.equal(await ledger.commit(ref("h1")), "committed");
      assert.equal(await ledger.commit(ref("f1")), "committed");
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: { count: 2, cents: 2000 },
        reserved: { count: 3, cents: 3000 },
        held: { count: 3, cents: 3000 },
      });
      await ledger.release(ref("h2"));
      assert.deepEqual((await ledger.usage(BUYER, day.key)).held, { count: 2, cents: 2000 });
    });

    test("a spend cap's holds overbook by the factor too, and the overbooked room is rounded down", async () => {
      const spend = unit("buyer:b1:day:d", { centsLimit: 2500, cents: 1000 });
      const hold = (id: string) => ledger.reserve({ ...request(id, [spend]), hold: { overbook: 1.5 } });
      assert.equal((await hold("h1")).ok, true);
      assert.equal((await hold("h2")).ok, true);
      assert.equal((await hold("h3")).ok, true);
      assert.deepEqual(await hold("h4"), { ok: false, exhausted: spend.key, limit: "cents", by: "holds" });
    });

    test("a ping's hold lasts its ttl; a post after it expired reserves anew, and a claimed hold gets the post's ttl", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 1 });
      await ledger.reserve({ ...request("h1", [day], SHORT_TTL_MS), hold: { overbook: 1 } });
      await ledger.reserve({ ...request("h2", [day], SHORT_TTL_MS), hold: { overbook: 1 } }).then((r) => {
        assert.deepEqual(r, { ok: false, exhausted: day.key, limit: "count", by: "holds" });
      });
      await outlive();
      assert.deepEqual(
        (await ledger.usage(BUYER, day.key)).held,
        zero,
        "the expired hold gave its unit back",
      );
      assert.deepEqual(
        await ledger.reserve({ ...request("h2", [day], SHORT_TTL_MS), hold: { overbook: 1 } }),
        {
          ok: true,
        },
      );
      // h1's post comes after its hold expired: a firm reservation made anew (h2 only holds, so there is room).
      assert.deepEqual(await ledger.reserve(request("h1", [day], LONG_TTL_MS)), { ok: true });
      // h2's post claims its hold, with a long ttl: refused, the cap is full of h1's post.
      assert.equal((await ledger.reserve(request("h2", [day], LONG_TTL_MS))).ok, false);
      assert.equal(await ledger.commit(ref("h1")), "committed");
      await outlive();
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: { count: 1, cents: 1000 },
        reserved: zero,
        held: zero,
      });
    });

    test("a claimed hold is no longer a hold: it outlives the ping's ttl until its post is committed", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 1 });
      await ledger.reserve({ ...request("h1", [day], SHORT_TTL_MS), hold: { overbook: 1 } });
      assert.deepEqual(await ledger.reserve(request("h1", [day], LONG_TTL_MS)), { ok: true });
      await outlive();
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: { count: 1, cents: 1000 },
        held: zero,
      });
      assert.equal(await ledger.commit(ref("h1")), "committed");
    });

    test("the same cap key of two buyers is two counters", async () => {
      const key = "day:d";
      await ledger.reserve({ buyerId: "b1", reservationId: "r", units: [unit(key)], ttlMs: LONG_TTL_MS });
      await ledger.reserve({ buyerId: "b2", reservationId: "r", units: [unit(key)], ttlMs: LONG_TTL_MS });
      assert.equal(await ledger.commit({ buyerId: "b1", reservationId: "r" }), "committed");
      assert.deepEqual(await ledger.usage("b1", key), {
        committed: { count: 1, cents: 1000 },
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
      assert.deepEqual(await ledger.usage("b2", key), {
        committed: zero,
        reserved: { count: 1, cents: 1000 },
        held: { count: 0, cents: 0 },
      });
    });

    test("malformed requests are refused before anything is counted", async () => {
      const day = unit("campaign:c1:day:d");
      await assert.rejects(ledger.reserve(request("r1", [day, day])), TypeError);
      await assert.rejects(ledger.reserve(request("r1", [{ ...day, cents: 12.5 }])), TypeError);
      await assert.rejects(ledger.reserve(request("r1", [day], 0)), TypeError);
      assert.deepEqual(await ledger.usage(BUYER, day.key), {
        committed: zero,
        reserved: zero,
        held: { count: 0, cents: 0 },
      });
    });

    test("200 concurrent reserves against a count cap of 50: exactly 50 succeed", async () => {
      const day = unit("campaign:c1:day:d", { countLimit: 50 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => ledger.reserve(request(`r${i}`, [day]))),
      );
      assert.equal(results.filter((result) => result.ok).length, 50);
      assert.deepEqual((await ledger.usage(BUYER, day.key)).reserved, { count: 50, cents: 50_000 });
    });

    test("200 concurrent reserves of 1000 cents against a spend cap of 25,000: exactly 25 succeed", async () => {
      const spend = unit("buyer:b1:day:d", { centsLimit: 25_000, cents: 1000 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => ledger.reserve(request(`r${i}`, [spend]))),
      );
      assert.equal(results.filter((result) => result.ok).length, 25);
      assert.deepEqual((await ledger.usage(BUYER, spend.key)).reserved, { count: 25, cents: 25_000 });
    });

    test("concurrent reserves, commits and releases across three caps never overshoot any of them", async () => {
      const campaignDay = unit("campaign:c1:day:d", { countLimit: 50 });
      const buyerDay = unit("buyer:b1:day:d", { centsLimit: 30_000 });
      const sourceCampaignDay = unit("source:s1:campaign:c1:day:d", { countLimit: 40 });
      const units = [campaignDay, buyerDay, sourceCampaignDay];
      // Every reservation ends by being committed (even ids) or released (odd ids), so 30 commits fill the spend cap.
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const result = await ledger.reserve(request(`r${i}`, units));
          if (!result.ok) return "refused";
          if (i % 2 === 0) return ledger.commit(ref(`r${i}`));
          await ledger.release(ref(`r${i}`));
          return "released";
        }),
      );
      const committed = outcomes.filter((outcome) => outcome === "committed").length;
      assert.ok(committed <= 30, `${committed} committed against a spend cap of 30 leads`);
      for (const cap of units) {
        const usage = await ledger.usage(BUYER, cap.key);
        assert.deepEqual(usage, {
          committed: { count: committed, cents: committed * 1000 },
          reserved: zero,
          held: { count: 0, cents: 0 },
        });
      }
    });
  });
}
