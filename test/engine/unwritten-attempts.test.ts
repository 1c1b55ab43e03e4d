// A post attempt whose beginning could not be written (DESIGN rule 11), against a real SQLite store whose journal
// writes can be made to fail (the database away) or to lose their reply after committing (a connection cut as the
// COMMIT landed). The poster knows no buyer was called: the source's retry must post, not stop as uncertain, and the
// ends the failed write carried must not be lost. Backend-independent: it builds its own SqliteStore (the PostgreSQL
// path is the same code over the shared SQL, and test/distributed/faults.test.ts cuts a real PostgreSQL under it).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import pino from "pino";
import type { Bid } from "../../src/domain/ranking.ts";
import { PostJournal, PostUncertainError } from "../../src/engine/post-journal.ts";
import { UnwrittenAttempts } from "../../src/engine/unwritten-attempts.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";
import type { PostAttempt } from "../../src/store/post-attempts.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { eventually } from "../helpers/eventually.ts";

const log = pino({ level: "silent" });
const AUCTION = "auction-1";
const bid = (campaign: string): Bid => ({
  campaign_id: campaign,
  buyer_id: `buyer-${campaign}`,
  bid_cents: 3000,
  source_price_cents: 2000,
  expires_at: Date.now() + 60_000,
});

/** A real store whose journal writes fail while `down`, or commit and then throw while `loseReply`. */
function flakyStore(store: SqliteStore) {
  const state = { down: false, loseReply: false };
  const flaky =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (state.down) throw new ServiceUnavailableError("the store is away");
      const result = await write(...args);
      if (state.loseReply) throw new ServiceUnavailableError("the reply to COMMIT was lost");
      return result;
    };
  const beginPostAttempt = flaky(store.beginPostAttempt.bind(store));
  const settlePostAttempts = flaky(store.settlePostAttempts.bind(store));
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === "beginPostAttempt") return beginPostAttempt;
      if (property === "settlePostAttempts") return settlePostAttempts;
      const value = Reflect.get(target, property);
      // The store's methods use private fields, so they must run on the store itself, not the proxy.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { state, store: proxy };
}

describe("post attempts whose beginning could not be written", () => {
  let dir: string;
  let store: SqliteStore;
  let flaky: ReturnType<typeof flakyStore>;
  let unwritten: UnwrittenAttempts;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "gavel-attempts-"));
    store = new SqliteStore(dir);
    await store.migrate();
    flaky = flakyStore(store);
    unwritten = new UnwrittenAttempts({ store: flaky.store, log });
  });
  afterEach(async () => {
    flaky.state.down = false;
    flaky.state.loseReply = false;
    await unwritten.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One delivery's journal (a post, or its retry), sharing this process's unwritten attempts. */
  const journal = () =>
    new PostJournal({ store: flaky.store, auctionId: AUCTION, now: Date.now, log, unwritten });
  const attempts = async (): Promise<PostAttempt[]> =>
    (await store.listPostAttempts({ limit: 50 })).filter((attempt) => attempt.auction_id === AUCTION);

  test("a beginning written but its reply lost: the retry posts to that buyer, and the journal shows one attempt", async () => {
    flaky.state.loseReply = true;
    await assert.rejects(journal().begin(bid("camp-a")), ServiceUnavailableError);
    const [lost] = await attempts();
    assert.equal(lost?.state, "posting", "the store has the attempt its poster never acted on");

    flaky.state.loseReply = false;
    assert.deepEqual(await journal().begin(bid("camp-a")), { post: true });
    const now = await attempts();
    assert.equal(now.length, 1);
    assert.notEqual(now[0]!.id, lost.id, "the lost beginning was withdrawn, the retry's own began");
    assert.equal(now[0]!.state, "posting");
  });

  test("the ends a failed beginning carried are written before the lead is posted again", async () => {
    const first = journal();
    assert.deepEqual(await first.begin(bid("camp-a")), { post: true });
    first.ended(bid("camp-a"), "post_rejected");
    flaky.state.down = true;
    await assert.rejects(first.begin(bid("camp-b")), ServiceUnavailableError);

    flaky.state.down = false;
    const retry = journal();
    const verdictA = await retry.begin(bid("camp-a"));
    assert.equal(verdictA.post, false, "the buyer that refused is not posted again");
    assert.equal(!verdictA.post && verdictA.outcome.reason, "post_rejected");
    assert.deepEqual(await retry.begin(bid("camp-b")), { post: true });
    const byCampaign = new Map((await attempts()).map((attempt) => [attempt.campaign_id, attempt.state]));
    assert.deepEqual(Object.fromEntries(byCampaign), { "camp-a": "rejected", "camp-b": "posting" });
  });

  test("a retry while the store is still away fails and keeps what it knows; the next one posts", async () => {
    flaky.state.loseReply = true;
    await assert.rejects(journal().begin(bid("camp-a")), ServiceUnavailableError);
    flaky.state.loseReply = false;
    flaky.state.down = true;
    await assert.rejects(journal().begin(bid("camp-a")), ServiceUnavailableError);
    flaky.state.down = false;
    assert.deepEqual(await journal().begin(bid("camp-a")), { post: true });
    assert.equal((await attempts()).length, 1);
  });

  test("with no retry, what was kept is written in the background once the store is back", async () => {
    const first = journal();
    assert.deepEqual(await first.begin(bid("camp-a")), { post: true });
    first.ended(bid("camp-a"), "post_error");
    flaky.state.loseReply = true;
    await assert.rejects(first.begin(bid("camp-b")), ServiceUnavailableError);
    // The lost write landed (camp-a's end with it); the background's first tries fail while the store is away.
    flaky.state.loseReply = false;
    flaky.state.down = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual((await attempts()).map((attempt) => [attempt.campaign_id, attempt.state]).sort(), [
      ["camp-a", "failed"],
      ["camp-b", "posting"],
    ]);
    flaky.state.down = false;
    const settled = await eventually(async () => {
      const now = await attempts();
      return now.length === 1 && now[0]!.state === "failed" ? now : undefined;
    }, "the background writing the end and withdrawing the attempt never posted");
    assert.equal(settled[0]!.campaign_id, "camp-a");
  });

  test("without what the poster knows, an attempt left posting stops the post as uncertain (another instance)", async () => {
    // The poster: its beginning's reply lost, and then it died before it could say so.
    const died = new UnwrittenAttempts({
      store: { settlePostAttempts: () => Promise.reject(new ServiceUnavailableError("the process died")) },
      log,
    });
    flaky.state.loseReply = true;
    const poster = new PostJournal({
      store: flaky.store,
      auctionId: AUCTION,
      now: Date.now,
      log,
      unwritten: died,
    });
    await assert.rejects(poster.begin(bid("camp-a")), ServiceUnavailableError);
    flaky.state.loseReply = false;
    // Another instance knows nothing of it: the buyer may hold the lead, so nothing is posted.
    await assert.rejects(journal().begin(bid("camp-a")), PostUncertainError);
    assert.equal((await attempts())[0]?.state, "uncertain");
    await died.close();
  });
});
