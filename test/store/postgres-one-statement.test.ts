// A direct post's durable writes on PostgreSQL are one statement each (src/store/postgres/one-statement-writes.ts):
// the post attempt and the sale, each its own transaction, one round trip (issue 14); so is a batch of ping events.
// What they write is the shared contract's business (store-contract, post-attempts-contract, outbox-contract, ledger-contract); here, that every
// part of a sale arrives in that one statement, and that none of it does when the lead is refused; and that posts'
// writes at the same moment share statements (group-commit.ts), each write still answered and refused on its own.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import type { LedgerEntry, OutboxItem, OutcomeRecord, PingRecord } from "../../src/domain/records.ts";
import { ROLLUP_KEY_COLUMNS, ROLLUP_MAX_COLUMNS, ROLLUP_SUM_COLUMNS } from "../../src/domain/rollup.ts";
import { saleEntries } from "../../src/engine/ledger.ts";
import type { PostAttempt } from "../../src/store/post-attempts.ts";
import { FOLD_AFTER_MS } from "../../src/store/postgres/pending-rollups.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { soldLead, T0 } from "./lead-records.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
  withAdminClient,
} from "./postgres-test-schema.ts";

/** How many statements `work` sends (every pool query goes through pg's Client.prototype.query). */
async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  const query = pg.Client.prototype.query;
  let sent = 0;
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    sent++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

const attempt = (id: string, campaign: string): PostAttempt => ({
  id,
  auction_id: "a-l1",
  campaign_id: campaign,
  buyer_id: `buyer-${campaign}`,
  bid_cents: 4_000,
  started_at: T0,
  state: "posting",
});

const postOutcome = (campaign: string, reason: OutcomeRecord["reason"]): OutcomeRecord => ({
  auction_id: "a-l1",
  phase: "post",
  at: T0 + 500,
  campaign_id: campaign,
  buyer_id: `buyer-${campaign}`,
  reason,
});

const message = (id: string): OutboxItem => ({
  id,
  kind: "source_postback",
  owner_id: "src-1",
  url: "http://127.0.0.1:9/postback",
  body: { event: "lead.sold", lead_id: "l1", n: id },
  timeout_ms: 1000,
  status: "pending",
  attempts: 0,
  run_at: T0,
  created_at: T0,
});

const ping = (id: string, at: number, overrides: Partial<PingRecord> = {}): PingRecord => ({
  id,
  kind: "ping",
  source_id: "src-1",
  vertical: "personal_injury",
  lead: { state: "CA" },
  test: false,
  created_at: at,
  expires_at: at + 120_000,
  status: "bid",
  price_cents: 0,
  bids: [],
  ...overrides,
});

const pingOutcome = (auction: string, campaign: string, at: number, bid?: number): OutcomeRecord => ({
  auction_id: auction,
  phase: "ping",
  at,
  campaign_id: campaign,
  buyer_id: `buyer-${campaign}`,
  reason: bid === undefined ? "no_bid" : "lost",
  latency_ms: 20,
  ...(bid === undefined ? {} : { bid_cents: bid }),
});

/** The rollup rows as a report adds them up: each key's shards (a sale's copies, migration 28) summed. */
const rollupByKey = (schema: string) => {
  const keys = ROLLUP_KEY_COLUMNS.join(", ");
  const sums = ROLLUP_SUM_COLUMNS.map((column) => `sum(${column})::bigint AS ${column}`);
  const maxima = ROLLUP_MAX_COLUMNS.map((column) => `max(${column}) AS ${column}`);
  return `SELECT ${keys}, ${[...sums, ...maxima].join(", ")} FROM "${schema}".report_rollup
          GROUP BY ${keys} ORDER BY ${keys}`;
};

describe("PostgreSQL: a direct post's writes, one statement each", () => {
  const schema = newTestSchema();
  let store: PostgresStore;

  before(async () => {
    await requireTestDatabase();
    store = await PostgresStore.connect({ connectionString: TEST_DATABASE_URL, schema });
    await store.migrate();
  });

  after(async () => {
    await store?.close();
    await dropTestSchema(schema);
  });

  test("a post attempt, with the attempts it ends, is one statement", async () => {
    assert.equal(await statementsOf(() => store.beginPostAttempt(attempt("t1", "camp-x"))), 1);
    const ended = [{ id: "t1", state: "rejected" as const, ended_at: T0 + 100 }];
    let begun: unknown;
    assert.equal(
      await statementsOf(async () => {
        begun = await store.beginPostAttempt(attempt("t2", "camp-a"), ended);
      }),
      1,
    );
    assert.deepEqual(begun, { begun: true });
    assert.equal((await store.getPostAttempt("t1"))?.state, "rejected");
  });

  test("a sale with its ledger, outcomes, postbacks and attempts' ends is one statement, and all of it is kept", async () => {
    const lead = soldLead("l1", { auction_id: "a-l1", buyer_lead_id: "their-7" });
    const ledger: LedgerEntry[] = saleEntries(lead);
    assert.ok(ledger.length >= 2);
    const outcomes = [postOutcome("camp-x", "post_rejected"), postOutcome("camp-a", "post_accepted")];
    const outbox = [message("m1"), message("m2")];
    assert.equal(await statementsOf(() => store.saveLead(lead, outcomes, outbox, ledger)), 1);

    assert.equal((await store.getLead("l1"))?.buyer_lead_id, "their-7");
    assert.deepEqual(
      (await store.getOutcomes("a-l1")).map((outcome) => [outcome.campaign_id, outcome.reason]),
      [
        ["camp-x", "post_rejected"],
        ["camp-a", "post_accepted"],
      ],
    );
    assert.deepEqual(
      (await store.ledgerFor("l1")).map((entry) => entry.id),
      ledger.map((entry) => entry.id),
    );
    assert.deepEqual((await store.listOutbox({ limit: 10 })).map((item) => item.id).sort(), ["m1", "m2"]);
    const accepted = await store.getPostAttempt("t2");
    assert.equal(accepted?.state, "accepted");
    assert.equal(accepted?.buyer_lead_id, "their-7");
    assert.equal((await store.getPostAttempt("t1"))?.state, "rejected", "ended before: left as it was");
    const queued = await withAdminClient((client) =>
      client.query(`SELECT count(*)::int AS queued FROM "${schema}".report_rollup_pending_fine`),
    );
    assert.deepEqual(queued.rows, [{ queued: 1 }], "the sale's rollups queued with it");
    await store.foldSaleRollups();
    const rollup = await withAdminClient((client) =>
      client.query(`SELECT (SELECT sum(leads_sold) FROM "${schema}".report_rollup WHERE grain = 0)::int AS sold,
                      (SELECT sum(posts_accepted) FROM "${schema}".report_rollup WHERE grain = 1)::int AS accepted`),
    );
    assert.deepEqual(rollup.rows, [{ sold: 1, accepted: 1 }], "the sale is in the report rollups");

    // A second lead for the same auction is refused whole: none of its parts are kept.
    const again = soldLead("l2", { auction_id: "a-l1" });
    await assert.rejects(
      store.saveLead(again, [postOutcome("camp-b", "post_accepted")], [message("m3")], saleEntries(again)),
    );
    assert.equal(await store.getLead("l2"), undefined);
    assert.deepEqual(await store.ledgerFor("l2"), []);
    assert.deepEqual((await store.listOutbox({ limit: 10 })).map((item) => item.id).sort(), ["m1", "m2"]);
    assert.equal((await store.getOutcomes("a-l1")).length, 2);
  });

  test("a batch of ping events is one statement; a ping stored before is not counted again, its outcomes are, all or nothing", async () => {
    const rollupOf = () => withAdminClient(async (client) => (await client.query(rollupByKey(schema))).rows);
    const at = T0 + 3_600_000;
    const first = [ping("p1", at), ping("p2", at + 1000, { sub_id: "s1", status: "no_bid" })];
    const firstOutcomes = [pingOutcome("p1", "camp-a", at, 3000), pingOutcome("p2", "camp-b", at + 1000)];
    assert.equal(await statementsOf(() => store.appendAuctionEvents(first, firstOutcomes)), 1);
    // p1 again (an event batch retried) beside new pings of its group and of another source.
    const second = [
      ping("p1", at),
      ping("p3", at + 2000),
      ping("p4", at + 3000, { source_id: "src-2", test: true }),
    ];
    const secondOutcomes = [
      pingOutcome("p3", "camp-a", at + 2000, 2500),
      pingOutcome("p4", "camp-b", at + 3000, 100),
    ];
    // Written again in a transaction (the statement is undone), counting only what it inserted.
    await store.appendAuctionEvents(second, secondOutcomes);
    assert.equal((await store.getOutcomes("p3")).length, 1, "the undone statement's outcomes are not kept");
    assert.equal((await store.getOutcomes("p1")).length, 1);
    // Outcomes only, of a ping an earlier batch wrote: read from the table (the transaction's way).
    await store.appendAuctionEvents([], [pingOutcome("p2", "camp-a", at + 1000, 900)]);

    // The statement's rollups were queued (its finest grains), the transactions' upserted; folded, then read.
    await store.foldSaleRollups();
    const written = await rollupOf();
    const auctions = written
      .filter((row) => row.grain === 0 && Number(row.hour) === at - (at % 3_600_000))
      .map((row) => [
        row.source_id,
        row.sub_id,
        Number(row.auctions),
        Number(row.auctions_with_bid),
        Number(row.bids),
      ]);
    assert.deepEqual(auctions, [
      ["src-1", "", 2, 2, 2],
      ["src-1", "s1", 1, 0, 1],
      ["src-2", "", 1, 1, 1],
    ]);
    // The same rows as a rebuild from the events gives.
    await store.rebuildReportRollups();
    assert.deepEqual(written, await rollupOf());
  });
  test("sales' queued rollups are folded into shards once each, even by folds at once; as a rebuild gives", async () => {
    const byKey = () => withAdminClient(async (client) => (await client.query(rollupByKey(schema))).rows);
    const queued = () =>
      withAdminClient(
        async (client) =>
          (await client.query(`SELECT count(*)::int AS n FROM "${schema}".report_rollup_pending_fine`))
            .rows[0].n,
      );
    const other = await PostgresStore.connect({ connectionString: TEST_DATABASE_URL, schema });
    try {
      for (let round = 0; round < 3; round++) {
        const leads = Array.from({ length: 24 }, (_, i) =>
          soldLead(`fold-${round}-${i}`, { auction_id: `a-fold-${round}-${i}` }),
        );
        const savingFrom = performance.now();
        await Promise.all(leads.map((lead) => store.saveLead(lead, [], [], saleEntries(lead))));
        const waiting = await queued();
        // The store folds by itself FOLD_AFTER_MS after its first sale: only a loaded machine that took longer than
        // that to save and count may find the queue emptied already (then this round checks the rebuild alone).
        if (performance.now() - savingFrom < FOLD_AFTER_MS)
          assert.ok(waiting > 0, "the sales' rollups are queued");
        // Two instances fold at the same moment: each queued row is taken by one of them.
        await Promise.all([store.foldSaleRollups(), other.foldSaleRollups()]);
        assert.equal(await queued(), 0);
      }
    } finally {
      await other.close();
    }
    const folded = await withAdminClient((client) =>
      client.query(
        `SELECT count(*)::int AS n FROM "${schema}".report_rollup WHERE shard > 0 AND leads_sold > 0`,
      ),
    );
    assert.ok(folded.rows[0].n > 0, "folded into the sales' shards, not the ping batches' 0");
    const written = await byKey();
    await store.rebuildReportRollups();
    assert.deepEqual(await byKey(), written);
  });

  test("a sale queued but not yet folded is counted by a report, and a rebuild leaves nothing queued", async () => {
    const lead = soldLead("fold-late", { auction_id: "a-fold-late" });
    await store.saveLead(lead, [], [], saleEntries(lead));
    const sold = async () =>
      (await store.report({ from: 0, to: 3_600_000 * 1_000_000, dimensions: [], includeTest: true })).reduce(
        (sum, row) => sum + row.leads_sold,
        0,
      );
    const before = await sold();
    assert.ok(before > 0);
    const again = soldLead("fold-later", { auction_id: "a-fold-later" });
    await store.saveLead(again, [], [], saleEntries(again));
    assert.equal(await sold(), before + 1);
    await store.saveLead(soldLead("fold-last", { auction_id: "a-fold-last" }), [], [], []);
    await store.rebuildReportRollups();
    const left = await withAdminClient((client) =>
      client.query(`SELECT count(*)::int AS n FROM "${schema}".report_rollup_pending_fine`),
    );
    assert.equal(left.rows[0].n, 0);
    assert.equal(await sold(), before + 2);
  });

  test("posts at the same moment share statements; each write gets its own answer, a refused one is refused alone", async () => {
    const auctions = Array.from({ length: 10 }, (_, i) => `a-group-${i}`);
    const attemptIn = (auction: string, id: string): PostAttempt => ({
      ...attempt(id, "camp-g"),
      auction_id: auction,
    });
    const saleIn = (auction: string, i: number) => {
      const lead = soldLead(`group-${i}`, { auction_id: auction, campaign_id: "camp-g" });
      const outcome = { ...postOutcome("camp-g", "post_accepted"), auction_id: auction };
      return store.saveLead(lead, [outcome], [message(`group-m${i}`)], saleEntries(lead));
    };
    await store.beginPostAttempt(attemptIn(auctions[9]!, "g-earlier"));
    let begun: unknown[] = [];
    const sent = await statementsOf(async () => {
      begun = await Promise.all(
        auctions.map((auction, i) => store.beginPostAttempt(attemptIn(auction, `g-${i}`))),
      );
    });
    assert.ok(sent < 10, `10 attempts at once in ${sent} statements (and a read for the one not begun)`);
    assert.deepEqual(begun.slice(0, 9), Array(9).fill({ begun: true }));
    assert.equal(
      (begun[9] as { earlier?: PostAttempt }).earlier?.id,
      "g-earlier",
      "its campaign was posted before",
    );

    // A second lead for an auction already sold (l1's) among them: refused, the others kept.
    const refused = soldLead("group-refused", { auction_id: "a-l1" });
    let results: PromiseSettledResult<void>[] = [];
    const sales = await statementsOf(async () => {
      results = await Promise.allSettled([
        ...auctions.slice(0, 9).map((auction, i) => saleIn(auction, i)),
        store.saveLead(refused, [], [], saleEntries(refused)),
      ]);
    });
    assert.deepEqual(
      results.map((result) => result.status),
      [...Array(9).fill("fulfilled"), "rejected"],
    );
    assert.ok(
      sales < 20,
      `10 sales at once in ${sales} statements, the refused group's sent again one by one`,
    );
    for (const [i, auction] of auctions.slice(0, 9).entries()) {
      assert.equal((await store.getLeadByAuction(auction))?.id, `group-${i}`);
      assert.equal((await store.getPostAttempt(`g-${i}`))?.state, "accepted");
      assert.equal((await store.ledgerFor(`group-${i}`)).length, saleEntries(soldLead(`group-${i}`)).length);
      assert.deepEqual(
        (await store.getOutcomes(auction)).map((outcome) => outcome.reason),
        ["post_accepted"],
      );
    }
    assert.equal(await store.getLead("group-refused"), undefined);
    const byKey = () => withAdminClient(async (client) => (await client.query(rollupByKey(schema))).rows);
    await store.foldSaleRollups();
    const written = await byKey();
    await store.rebuildReportRollups();
    assert.deepEqual(await byKey(), written, "the grouped sales' rollups are what a rebuild gives");
  });
});
