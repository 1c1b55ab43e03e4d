// gavel replay on a small recorded period: the real exchange records six posted leads and one ping never posted, then
// the period is replayed. As is, the replay must give back exactly what was recorded; a candidate with a floor sells
// fewer, and one that honours the quote sells the lead strict fallback could not, each with numbers worked out by hand.
// On the backend GAVEL_TEST_BACKEND names (the history query is one SQL per dialect).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startGavel } from "../../src/app.ts";
import {
  BuyerHttpClient,
  type BuyerHttpRequest,
  type BuyerHttpResponse,
} from "../../src/buyers/buyer-http-client.ts";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { previewSnapshot } from "../../src/engine/config-service.ts";
import { replayPeriod } from "../../src/replay/replay.ts";
import { replaySummary } from "../../src/replay/replay-report.ts";
import {
  type AuctionPeriod,
  postgresAuctionHistory,
  type RecordedAuction,
  sqliteAuctionHistory,
} from "../../src/store/auction-history.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { StoredConfig } from "../../src/store/store.ts";
import { personalInjuryLead, testSource } from "../helpers/exchange-harness.ts";
import { BACKEND, openTestStorage, type TestStorage, withTestStorage } from "../helpers/test-backend.ts";

/**
 * Two buyers that price a lead by its days_since_accident (a test's way to choose each lead's bids): alpha bids that
 * many dollars and rejects the post of the 40-day lead; beta bids $5 less, only from 30 days on.
 */
class PricedByDays extends BuyerHttpClient {
  constructor() {
    super({ maxResponseBytes: 65_536 });
  }
  override async send(request: BuyerHttpRequest): Promise<BuyerHttpResponse> {
    const [, buyer, kind] = new URL(request.url).pathname.split("/");
    const body = JSON.parse(request.body ?? "{}") as { lead: { days_since_accident: number } };
    const days = body.lead.days_since_accident;
    if (kind === "post") {
      const accepted = !(buyer === "alpha" && days === 40);
      return { status: 200, body: JSON.stringify({ accepted }), latencyMs: 1 };
    }
    const price = buyer === "alpha" ? days : days >= 30 ? days - 5 : undefined;
    if (price === undefined) return { status: 204, body: "", latencyMs: 1 };
    return { status: 200, body: JSON.stringify({ bid: true, price }), latencyMs: 1 };
  }
}

const START = Date.UTC(2026, 10, 30, 12);
const PERIOD: AuctionPeriod = { from: START, to: START + 3_600_000 };

function campaign(buyer: string) {
  return {
    id: buyer,
    buyer_id: buyer,
    vertical: "personal_injury",
    name: buyer,
    status: "active" as const,
    filters: [],
    pricing: { type: "realtime" as const },
    ping: { url: `http://test-buyer.invalid/${buyer}/ping`, timeout_ms: 300 },
    post: { url: `http://test-buyer.invalid/${buyer}/post`, timeout_ms: 1000 },
  };
}

// The source keeps a $5 margin for the exchange.
const SOURCE = testSource({ payout: { model: "margin", amount: 5 } });
const CONFIG: ConfigFile = {
  sources: [SOURCE],
  buyers: ["alpha", "beta"].map((id) => ({ id, name: id, status: "active" as const })),
  campaigns: [campaign("alpha"), campaign("beta")],
};

describe(`gavel replay (${BACKEND})`, () => {
  let storage: TestStorage;
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-replay-"));
  let stored: StoredConfig;
  let gavel: Awaited<ReturnType<typeof startGavel>>;

  before(async () => {
    storage = await openTestStorage();
    let clock = START;
    gavel = await startGavel({
      config: withTestStorage(CONFIG, storage),
      dataDir,
      port: 0,
      adminKey: "replay-test-admin-key",
      logLevel: "silent",
      now: () => clock,
      buyerClient: new PricedByDays(),
    });
    {
      const source = gavel.exchange.config.sourceById.get(SOURCE.id)!;
      for (const days of [10, 20, 30, 40, 50, 60, 70]) {
        clock += 60_000;
        const lead = personalInjuryLead({ days_since_accident: days });
        const ping = await gavel.exchange.ping(source, { vertical: "personal_injury", lead: lead.ping });
        assert.equal(ping.status, "bid");
        // The seller posts every lead but the last (it sold that one elsewhere).
        if (days === 70) continue;
        clock += 500;
        await gavel.exchange.post(source, { ping_id: ping.ping_id, lead: lead.full, consent: lead.consent });
      }
    }
    await gavel.exchange.flush();
    const store = storage.storage?.database_url
      ? new PostgresStore({
          connectionString: storage.storage.database_url,
          ...(storage.storage.database_schema ? { schema: storage.storage.database_schema } : {}),
        })
      : new SqliteStore(dataDir);
    // A second handle on the running exchange's store, for its configuration only.
    stored = await store.loadConfig();
    await store.close();
  });

  after(async () => {
    await gavel?.close();
    await storage?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function history(): Iterable<RecordedAuction> | AsyncIterable<RecordedAuction> {
    const db = storage.storage;
    return db?.database_url
      ? postgresAuctionHistory(
          db.database_url,
          PERIOD,
          db.database_schema ? { schema: db.database_schema } : {},
        )
      : sqliteAuctionHistory(join(dataDir, "gavel.db"), PERIOD);
  }

  async function replayWith(candidate: ConfigFile | undefined) {
    return replaySummary(
      await replayPeriod(history(), previewSnapshot(stored, undefined), previewSnapshot(stored, candidate)),
    );
  }

  it("gives back what was recorded when the candidate is the current configuration", async () => {
    const summary = await replayWith(undefined);
    // Sold: 10, 20, 30, 50 and 60 to alpha; the 40-day lead's fallback to beta ($35 pays the source $30, short of
    // its $35 quote) is refused under strict; the 70-day ping was never posted.
    const expected = {
      auctions: 7,
      posted: 6,
      sold: 5,
      sell_through: 0.8333,
      buyer_revenue: 170,
      source_payout: 145,
      margin: 25,
    };
    assert.deepEqual(summary.recorded, expected);
    assert.deepEqual(summary.candidate, { ...summary.current });
    const { assumed_accepts, unasked_campaigns, newly_quoted, skipped, ...current } = summary.current;
    assert.deepEqual(current, expected);
    assert.deepEqual(
      { assumed_accepts, unasked_campaigns, newly_quoted, skipped },
      {
        assumed_accepts: 0,
        unasked_campaigns: 0,
        newly_quoted: 0,
        skipped: 0,
      },
    );
    assert.deepEqual(summary.delta, {
      sold: 0,
      sell_through: 0,
      buyer_revenue: 0,
      source_payout: 0,
      margin: 0,
    });
  });

  it("sells fewer under a higher floor", async () => {
    const summary = await replayWith({ sources: [{ ...SOURCE, floor: 35 }] });
    // Below $35: alpha's 10, 20, 30 and beta's 25; the 40-day lead still goes unsold (beta's $35 covers the floor,
    // not the quote). Left: 50 and 60 to alpha.
    assert.deepEqual(
      {
        sold: summary.candidate.sold,
        revenue: summary.candidate.buyer_revenue,
        payout: summary.candidate.source_payout,
      },
      { sold: 2, revenue: 110, payout: 100 },
    );
    assert.deepEqual(summary.delta, {
      sold: -3,
      sell_through: -0.5,
      buyer_revenue: -60,
      source_payout: -45,
      margin: -15,
    });
    assert.deepEqual(
      summary.buyers.map((buyer) => [buyer.buyer_id, buyer.leads, buyer.candidate_leads]),
      [["alpha", 5, 2]],
    );
  });

  it("sells the lead strict fallback could not when the candidate honours the quote", async () => {
    const summary = await replayWith({ sources: [{ ...SOURCE, fallback_margin: "honour_quote" }] });
    // The 40-day lead goes to beta at $35, the source still paid its $35 quote: the exchange keeps nothing on it.
    assert.deepEqual(summary.delta, {
      sold: 1,
      sell_through: 0.1667,
      buyer_revenue: 35,
      source_payout: 35,
      margin: 0,
    });
    assert.deepEqual(
      summary.buyers.map((buyer) => [buyer.buyer_id, buyer.delta_leads]),
      [
        ["alpha", 0],
        ["beta", 1],
      ],
    );
  });

  it("answers the same over the admin API, and refuses a period that ends before it starts", async () => {
    const ask = (body: unknown) =>
      fetch(`${gavel.url}/v1/admin/replay`, {
        method: "POST",
        headers: { authorization: "Bearer replay-test-admin-key", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const from = new Date(PERIOD.from).toISOString();
    const to = new Date(PERIOD.to).toISOString();
    const response = await ask({ from, to, config: { sources: [{ ...SOURCE, floor: 35 }] } });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as { delta: unknown; recorded: { sold: number } };
    assert.deepEqual(answer.delta, {
      sold: -3,
      sell_through: -0.5,
      buyer_revenue: -60,
      source_payout: -45,
      margin: -15,
    });
    assert.equal(answer.recorded.sold, 5);
    const backwards = await ask({ from: to, to: from, config: {} });
    assert.equal(backwards.status, 400);
    const error = ((await backwards.json()) as { error: { code: string; field: string } }).error;
    assert.deepEqual([error.code, error.field], ["GAVEL_VALIDATION", "to"]);
    const badCandidate = await ask({
      from,
      to,
      config: { sources: [{ ...SOURCE, payout: { model: "nope" } }] },
    });
    assert.equal(badCandidate.status, 400);
  });
});
