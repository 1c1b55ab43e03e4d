// Duplicates end to end: the replay guard (the same ping or lead from the same source within the window → 409), the
// vertical's system-wide check (a consumer sold to anyone is not sold again within the lookback) and each buyer's own
// check (a consumer a buyer bought is not offered to it again; others still bid). Runs on both backends.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfigFile } from "../../src/cli/config-file.ts";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { ConfigService } from "../../src/engine/config-service.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

type Lead = ReturnType<typeof personalInjuryLead>;

/** A consumer of its own (distinct contacts, so tests do not see each other's sales), with a distinct ping payload. */
function consumer(n: number): Lead {
  const lead = personalInjuryLead({ days_since_accident: n });
  const phone = `(212) 555-${String(1000 + n).padStart(4, "0")}`;
  return { ...lead, full: { ...lead.full, phone, email: `consumer${n}@example.com` } };
}

const phoneHash = (lead: Lead) => sha256Hex(String(lead.full.phone).replace(/\D/g, ""));
const emailHash = (lead: Lead) => sha256Hex(String(lead.full.email));

describe(`[${BACKEND}] duplicates`, () => {
  let h: Harness;

  async function traceOf(kind: "leads" | "pings", id: string) {
    const { body } = await h.admin("GET", `/v1/admin/${kind}/${id}`);
    return body.trace as { phase: string; buyer_id: string; outcome: string; detail?: string }[];
  }

  async function direct(lead: Lead, vertical = "personal_injury") {
    const reply = await h.call("/v1/leads", { vertical, lead: lead.full, consent: lead.consent });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body;
  }

  async function pinged() {
    return (await h.farm.requests()).filter((r) => r.kind === "ping").map((r) => r.buyer);
  }

  before(async () => {
    // "pi_dedupe" checks duplicates system-wide; on personal_injury only alpha checks its own purchases.
    h = await startHarness([bidder("alpha", 50), bidder("beta", 30)], (farm) => ({
      settings: { replay_guard_s: 60 },
      verticals: [
        {
          ...personalInjury,
          id: "pi_dedupe",
          name: "Personal injury, deduplicated",
          dedupe: { lookback_days: 30, match: ["email", "phone"] },
        },
      ],
      sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
      buyers: [
        { id: "alpha", name: "alpha", status: "active", dedupe_days: 90 },
        { id: "beta", name: "beta", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "alpha"),
        realtimeCampaign(farm, "beta"),
        realtimeCampaign(farm, "alpha", { id: "alpha-dd", vertical: "pi_dedupe" }),
        realtimeCampaign(farm, "beta", { id: "beta-dd", vertical: "pi_dedupe" }),
      ],
    }));
  });

  after(async () => h?.close());

  test("replay guard: the same ping or lead again within the window is 409 GAVEL_DUPLICATE", async () => {
    const lead = consumer(1);
    const ping = { vertical: "personal_injury", lead: lead.ping };
    assert.equal((await h.call("/v1/ping", ping)).status, 200);
    const again = await h.call("/v1/ping", ping);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "GAVEL_DUPLICATE");
    // A different payload passes: another non-PII value, another sub_id-less hash, or contact hashes added.
    assert.equal((await h.call("/v1/ping", { ...ping, lead: consumer(2).ping })).status, 200);
    assert.equal(
      (await h.call("/v1/ping", { ...ping, contact_hash: { phone_sha256: phoneHash(lead) } })).status,
      200,
    );

    const other = consumer(3);
    const body = { vertical: "personal_injury", lead: other.full, consent: other.consent };
    assert.equal((await h.call("/v1/leads", body)).status, 200);
    const replayed = await h.call("/v1/leads", body);
    assert.equal(replayed.status, 409);
    assert.equal(replayed.body.error.code, "GAVEL_DUPLICATE");
  });

  test("replay guard: 0 switches it off (through the admin API), a number switches it on again", async () => {
    const ping = { vertical: "personal_injury", lead: consumer(4).ping };
    try {
      const off = await h.admin("PUT", "/v1/admin/settings", { replay_guard_s: 0 });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal(off.body.replay_guard_s, 0);
      assert.equal((await h.call("/v1/ping", ping)).status, 200);
      assert.equal((await h.call("/v1/ping", ping)).status, 200, "off: the same ping again is answered");
      // null is not a way to say off: one way only, refused with the field named.
      const nulled = await h.admin("PUT", "/v1/admin/settings", { replay_guard_s: null });
      assert.equal(nulled.status, 400, JSON.stringify(nulled.body));
      assert.equal(nulled.body.error.code, "GAVEL_VALIDATION");
      assert.match(nulled.body.error.field ?? nulled.body.error.message, /replay_guard_s/);
    } finally {
      const on = await h.admin("PUT", "/v1/admin/settings", { replay_guard_s: 60 });
      assert.equal(on.status, 200, JSON.stringify(on.body));
    }
    const again = { vertical: "personal_injury", lead: consumer(5).ping };
    assert.equal((await h.call("/v1/ping", again)).status, 200);
    assert.equal((await h.call("/v1/ping", again)).status, 409, "on again");
  });

  test("a consumer sold once is a duplicate for the vertical: unsold, and no buyer pinged", async () => {
    const lead = consumer(10);
    const first = await direct(lead, "pi_dedupe");
    assert.equal(first.status, "sold");

    // The same consumer, another lead (different non-PII values, so not a replay).
    const again = consumer(10);
    again.full = { ...again.full, days_since_accident: 11 };
    await h.farm.clearRequests();
    const second = await direct(again, "pi_dedupe");
    assert.deepEqual([second.status, second.reason], ["unsold", "duplicate"]);
    assert.deepEqual(await pinged(), []);
    const trace = await traceOf("leads", second.lead_id);
    assert.ok(trace.length >= 2);
    for (const line of trace) assert.equal(line.outcome, "duplicate");

    // Seller hashes on the ping: no_bid (duplicate) before anyone is pinged; the email alone is enough.
    await h.farm.clearRequests();
    const ping = await h.call("/v1/ping", {
      vertical: "pi_dedupe",
      lead: { ...lead.ping, days_since_accident: 12 },
      contact_hash: { email_sha256: emailHash(lead) },
    });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.deepEqual([ping.body.status, ping.body.reason], ["no_bid", "duplicate"]);
    assert.deepEqual(await pinged(), []);
    const pingTrace = await traceOf("pings", ping.body.ping_id);
    assert.deepEqual(
      pingTrace.map((line) => line.outcome),
      pingTrace.map(() => "duplicate"),
    );

    // Another consumer still sells in that vertical.
    assert.equal((await direct(consumer(11), "pi_dedupe")).status, "sold");
  });

  test("a ping without hashes is caught at the post: unsold, duplicate, no buyer receives it", async () => {
    const lead = consumer(20);
    assert.equal((await direct(lead, "pi_dedupe")).status, "sold");
    const later = { ...lead, ping: { ...lead.ping, days_since_accident: 21 } };
    later.full = { ...lead.full, days_since_accident: 21 };
    const ping = await h.call("/v1/ping", { vertical: "pi_dedupe", lead: later.ping });
    assert.equal(ping.body.status, "bid");
    await h.farm.clearRequests();
    const post = await h.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: later.full,
      consent: later.consent,
    });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.deepEqual([post.body.status, post.body.reason], ["unsold", "duplicate"]);
    assert.deepEqual(
      (await h.farm.requests()).filter((r) => r.kind === "post"),
      [],
    );
  });

  test("per buyer: alpha bought the consumer, so alpha is left out next time and beta buys", async () => {
    const lead = consumer(30);
    await h.farm.clearRequests();
    const first = await direct(lead);
    assert.equal(first.status, "sold");
    assert.equal((await h.admin("GET", `/v1/admin/leads/${first.lead_id}`)).body.lead.buyer_id, "alpha");

    const again = consumer(30);
    again.full = { ...again.full, days_since_accident: 31 };
    await h.farm.clearRequests();
    const second = await direct(again);
    assert.equal(second.status, "sold");
    assert.deepEqual(await pinged(), ["beta"]);
    const trace = await traceOf("leads", second.lead_id);
    const alpha = trace.find((line) => line.buyer_id === "alpha" && line.phase === "ping");
    assert.equal(alpha?.outcome, "duplicate");
    assert.equal((await h.admin("GET", `/v1/admin/leads/${second.lead_id}`)).body.lead.buyer_id, "beta");

    // On a ping with the phone hash, alpha is not pinged either; beta bids.
    await h.farm.clearRequests();
    const ping = await h.call("/v1/ping", {
      vertical: "personal_injury",
      lead: { ...lead.ping, days_since_accident: 32 },
      contact_hash: { phone_sha256: phoneHash(lead) },
    });
    assert.equal(ping.body.status, "bid");
    assert.deepEqual(await pinged(), ["beta"]);

    // Without hashes alpha wins the ping, but the post refuses it (duplicate) and falls back to beta.
    const plain = await h.call("/v1/ping", {
      vertical: "personal_injury",
      lead: { ...lead.ping, days_since_accident: 33 },
    });
    assert.equal(plain.body.status, "bid");
    const post = await h.call("/v1/post", {
      ping_id: plain.body.ping_id,
      lead: { ...lead.full, days_since_accident: 33 },
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold");
    const postTrace = (await traceOf("leads", post.body.lead_id)).filter((line) => line.phase === "post");
    assert.deepEqual(
      postTrace.map((line) => [line.buyer_id, line.outcome]),
      [
        ["alpha", "duplicate"],
        ["beta", "post_accepted"],
      ],
    );
  });

  test("a bad dedupe configuration is refused when saved", async () => {
    const bad = await h.admin("PUT", "/v1/admin/buyers/alpha", {
      id: "alpha",
      name: "alpha",
      status: "active",
      dedupe_days: 0,
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "GAVEL_VALIDATION");
  });
});

// The embedded windows live in memory: a restart rebuilds them from the store's sales. (Distributed windows live in
// Redis and outlast an instance; each harness there has its own store, so this one runs embedded only.)
describe(`[${BACKEND}] duplicates after a restart`, { skip: BACKEND !== "embedded" }, () => {
  test("a consumer sold before the restart is still a duplicate in its vertical", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gavel-dedupe-"));
    const configure = (farm: Parameters<NonNullable<Parameters<typeof startHarness>[1]>>[0]) => ({
      verticals: [{ ...personalInjury, dedupe: { lookback_days: 30, match: ["phone" as const] } }],
      sources: [testSource({ payout: { model: "fixed" as const, amount: 20 } })],
      buyers: [{ id: "alpha", name: "alpha", status: "active" as const, dedupe_days: 90 }],
      campaigns: [realtimeCampaign(farm, "alpha")],
    });
    const lead = consumer(40);
    const send = (h: Harness, days: number) =>
      h.call("/v1/leads", {
        vertical: "personal_injury",
        lead: { ...lead.full, days_since_accident: days },
        consent: lead.consent,
      });
    try {
      const first = await startHarness([bidder("alpha", 50)], configure, { dataDir });
      try {
        assert.equal((await send(first, 40)).body.status, "sold");
      } finally {
        await first.close();
      }
      const second = await startHarness([bidder("alpha", 50)], configure, { dataDir });
      try {
        await second.farm.clearRequests();
        const again = await send(second, 41);
        assert.deepEqual([again.body.status, again.body.reason], ["unsold", "duplicate"]);
        assert.deepEqual(
          (await second.farm.requests()).filter((r) => r.kind === "ping"),
          [],
        );
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

test("replay guard: a configuration file with replay_guard_s 0 switches off one stored earlier", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-replay-off-"));
  const store = new SqliteStore(dir);
  try {
    await store.migrate();
    const on = await ConfigService.open(store, { settings: { replay_guard_s: 60 } });
    assert.equal(on.snapshot.settings.replay_guard_s, 60);
    const path = join(dir, "gavel.config.json");
    writeFileSync(path, JSON.stringify({ settings: { replay_guard_s: 0 } }));
    const off = await ConfigService.open(store, loadConfigFile(path));
    assert.equal(off.snapshot.settings.replay_guard_s, 0);
    // And it stays off at the next start without the file saying so again.
    assert.equal((await ConfigService.open(store, undefined)).snapshot.settings.replay_guard_s, 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
