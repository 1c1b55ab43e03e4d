// Two exchange processes (A and B) on one PostgreSQL schema and one Redis prefix, started through the CLI on the same
// config file, as two instances behind a load balancer would be (issue 3, "Multi-instance tests"): a ping answered by
// one is posted to the other; a ping is posted once whichever instances race; a configuration change made through
// one reaches the other within a second; and split load loses no lead and sells none twice.
// Real time: a change reaches the other process through PostgreSQL LISTEN/NOTIFY; the time it takes is the thing
// asserted.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Campaign, ConfigFile } from "../../src/domain/config-schema.ts";
import { type BuyerFarm, type BuyerStats, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { receivers, requestIdOf, VERTICAL } from "../helpers/engine-steps.ts";
import { bidder, personalInjuryLead, realtimeCampaign, testSource } from "../helpers/exchange-harness.ts";
import { PostbackReceiver } from "../helpers/postback-receiver.ts";
import { withAdminClient } from "../store/postgres-test-schema.ts";
import {
  type ExchangeProcess,
  pollUntil,
  type Reply,
  type SharedBackends,
  sharedBackends,
  startExchangeProcess,
  stopCleanly,
  storageFor,
  storedLeads,
  writeConfig,
} from "./distributed-exchange.ts";

const lead = personalInjuryLead();
/** Both bid the same, so when the winner rejects a post the other still covers the price quoted to the source. */
const ALPHA = bidder("alpha", 40);
const BETA = bidder("beta", 40);
/** Not in the config file: added through A's admin API. */
const GAMMA = bidder("gamma", 50);
/** How soon a change made through one instance must be seen by the other (issue 3: "within a second"). */
const PROPAGATION_MS = 1_000;
/**
 * Time enough for the simulated buyers (their own process on the same loaded 2-core machine) to answer a ping at 30 in
 * flight: this file is about what two instances share, not about which buyer a deadline cuts off. With the usual 300 ms,
 * both buyers timed out on 2-4 of the 300 pairs at load 12-17 (outcomes "timeout", AbortError at 336-404 ms), and a
 * ping with no bid has no post to count.
 */
const PING_TIMEOUT_MS = 4_000;
/**
 * Time enough for the postback receiver (in this test process, which also drives the 300 pairs) to read a postback on
 * the loaded machine. With the 5 s default, at load 15-18 it read some 5.4-5.8 s after an exchange sent them: the
 * attempt had timed out, so the outbox rightly sent them again (at least once), and the receiver counted two (6 and
 * then 2 of 309 postbacks, in 2 of 14 loaded runs). This file is about two instances sharing one outbox, not about a
 * receiver that answers late.
 */
const POSTBACK_TIMEOUT_MS = 20_000;

/**
 * A campaign for one of the farm's buyers, with the ping deadline above, and as long for its post: a buyer that takes a
 * post after the exchange gave up on it counts an accepted post the exchange did not sell (once at load ~20, "accepted
 * posts == sold leads"), which is the documented risk of a post timeout, not what two instances share.
 */
function campaignFor(buyer: string): Campaign {
  return realtimeCampaign(farm, buyer, {
    ping: { url: farm.buyers[buyer]!.ping, timeout_ms: PING_TIMEOUT_MS },
    post: { url: farm.buyers[buyer]!.post, timeout_ms: PING_TIMEOUT_MS },
  });
}

const postbacks = new PostbackReceiver();
let backends: SharedBackends;
let farm: BuyerFarm;
let a: ExchangeProcess;
let b: ExchangeProcess;

before(async () => {
  backends = await sharedBackends("multi");
  farm = await startBuyerFarm([ALPHA, BETA, GAMMA]);
  await postbacks.start();
  const config: ConfigFile = {
    storage: storageFor(backends),
    // Every posted lead owes the source a postback: both instances drain the one outbox.
    sources: [testSource({ postback: { url: postbacks.url, timeout_ms: POSTBACK_TIMEOUT_MS } })],
    buyers: [ALPHA, BETA].map(({ name }) => ({ id: name, name, status: "active" as const })),
    settings: { default_tmax_ms: PING_TIMEOUT_MS + 500, max_tmax_ms: PING_TIMEOUT_MS + 1_000 },
    campaigns: [campaignFor("alpha"), campaignFor("beta")],
  };
  const configPath = writeConfig(backends, "gavel.config.json", config);
  // One after the other: the second finds the schema migrated (a concurrent start is the migration lock's business).
  a = await startExchangeProcess("A", configPath, `${backends.dir}/a`);
  b = await startExchangeProcess("B", configPath, `${backends.dir}/b`);
});

after(async () => {
  await stopCleanly([a, b]);
  await farm?.stop();
  await postbacks.stop();
  await backends?.cleanUp();
});

/** The outbox items of these leads' postbacks, straight from the shared schema. */
async function outboxItemsOf(leadIds: string[]): Promise<Record<string, unknown>[]> {
  if (leadIds.length === 0) return [];
  return withAdminClient(async (client) => {
    const { rows } = await client.query(
      `SELECT body->>'lead_id' AS lead_id, status, attempts, last_error, run_at, delivered_at
         FROM "${backends.schema}".outbox WHERE body->>'lead_id' = ANY($1)`,
      [leadIds],
    );
    return rows;
  });
}

function ping(on: ExchangeProcess): Promise<Reply> {
  return on.seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping });
}

function post(on: ExchangeProcess, pingId: string): Promise<Reply> {
  return on.seller("/v1/post", { ping_id: pingId, lead: lead.full, consent: lead.consent });
}

/** Posts until the answer is not 409 GAVEL_POST_IN_PROGRESS (the other instance is still posting), for up to 5 s. */
async function postUntilAnswered(on: ExchangeProcess, pingId: string): Promise<Reply> {
  const answer = await pollUntil(async () => {
    const reply = await post(on, pingId);
    return reply.status === 409 && reply.body?.error?.code === "GAVEL_POST_IN_PROGRESS" ? undefined : reply;
  }, 5_000);
  assert.ok(answer, `posting ${pingId} on ${on.name} still in progress after 5 s`);
  return answer;
}

async function bidOn(on: ExchangeProcess): Promise<string> {
  const reply = await ping(on);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.status, "bid", JSON.stringify(reply.body));
  return reply.body.ping_id;
}

async function requestsFor(auctionId: string) {
  return (await farm.requests()).filter((request) => requestIdOf(request) === auctionId);
}

test("a ping answered by A is posted to B and sells: the winner gets exactly one post", async () => {
  const pingId = await bidOn(a);

  const sold = await post(b, pingId);

  assert.equal(sold.status, 200, JSON.stringify(sold.body));
  assert.equal(sold.body.status, "sold");
  assert.equal(sold.body.price, 32); // 80% revenue share of the $40 bid
  const stored = await a.admin("GET", `/v1/admin/leads/${sold.body.lead_id}`);
  assert.equal(stored.status, 200, "A reads the lead B sold from the shared store");
  assert.equal(stored.body.lead.auction_id, pingId);
  assert.equal(stored.body.lead.status, "sold");
  // A retry on A gets B's answer: idempotent across instances.
  const retry = await post(a, pingId);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.lead_id, sold.body.lead_id);
  const posts = (await requestsFor(pingId)).filter((request) => request.kind === "post");
  assert.equal(posts.length, 1, "one post reached a buyer");
  assert.equal(posts[0]!.buyer, stored.body.lead.buyer_id);
});

test("the same ping posted to A and B at once is posted once: one lead_id, one post to the buyer", async (t) => {
  // Slow posts widen the window in which the two instances race for the claim.
  await farm.setBehavior({ ...ALPHA, postLatencyMs: 150 });
  await farm.setBehavior({ ...BETA, postLatencyMs: 150 });
  try {
    let inProgressAnswers = 0;
    for (let round = 0; round < 8; round++) {
      const pingId = await bidOn(round % 2 === 0 ? a : b);

      const first = await Promise.all([post(a, pingId), post(b, pingId)]);

      const final: Reply[] = [];
      for (const [index, reply] of first.entries()) {
        const on = index === 0 ? a : b;
        if (reply.status === 409) {
          assert.equal(reply.body.error.code, "GAVEL_POST_IN_PROGRESS", JSON.stringify(reply.body));
          inProgressAnswers++;
          final.push(await postUntilAnswered(on, pingId));
        } else {
          final.push(reply);
        }
      }
      for (const reply of final) assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(final[0]!.body.lead_id, final[1]!.body.lead_id, `round ${round}: one lead for the ping`);
      assert.equal(final[0]!.body.status, "sold");
      const posts = (await requestsFor(pingId)).filter((request) => request.kind === "post");
      assert.equal(posts.length, 1, `round ${round}: the buyer received exactly one post`);
    }
    // Both answers identical every time would mean the instances never raced; either outcome is allowed, but say so.
    t.diagnostic(`409 GAVEL_POST_IN_PROGRESS answers: ${inProgressAnswers} of 16`);
  } finally {
    await farm.setBehavior(ALPHA);
    await farm.setBehavior(BETA);
  }
});

/**
 * Polls B's admin API until `accept` holds for the entity; returns how long after A answered the change B's answer
 * showed it. An upper bound on the propagation: B may have had it up to one poll (a round trip, 10 ms) earlier.
 */
async function propagationMs(
  path: string,
  changedAt: number,
  // biome-ignore lint/suspicious/noExplicitAny: the admin API's entity is read as JSON
  accept: (reply: Reply & { body: any }) => boolean,
): Promise<number> {
  const seenAt = await pollUntil(
    async () => {
      const reply = await b.admin("GET", path);
      return accept(reply) ? performance.now() : undefined;
    },
    3 * PROPAGATION_MS,
    10,
  );
  assert.ok(seenAt, `B did not see the change to ${path} within ${3 * PROPAGATION_MS} ms`);
  return seenAt - changedAt;
}

/**
 * Changes a campaign through A; returns when A answered 2xx. The promise runs from there: a change answered 2xx is
 * stored and announced, and reaches every other instance within a second (DESIGN rule 11, docs/api.md). How long A
 * took to make it is A's own request time (the first admin write of a process is slow on a loaded machine: 1.8 s seen at
 * load 17), not propagation.
 */
async function putCampaignOnA(campaign: Campaign): Promise<number> {
  const reply = await a.admin("PUT", `/v1/admin/campaigns/${campaign.id}`, campaign);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return performance.now();
}

/**
 * What B shows for the entity before a change: the starting point the change must move it from. Reading it also makes
 * B's admin API answer once before the timed polls, so they time the propagation, not B's first admin request (1.6 s
 * seen at load 17: a new connection, the route's first run).
 */
async function onBBefore(path: string, expected: (reply: Reply) => boolean, what: string): Promise<void> {
  const reply = await b.admin("GET", path);
  assert.ok(
    expected(reply),
    `before the change B shows ${what}: ${reply.status} ${JSON.stringify(reply.body)}`,
  );
}

test("a campaign paused through A is paused on B within a second, and B's auctions honour it", async (t) => {
  const alpha = campaignFor("alpha");
  await onBBefore("/v1/admin/campaigns/alpha", (r) => r.body?.status === "active", "alpha active");
  let resumed = false;
  try {
    const changedAt = await putCampaignOnA({ ...alpha, status: "paused" });

    const elapsed = await propagationMs(
      "/v1/admin/campaigns/alpha",
      changedAt,
      (r) => r.body?.status === "paused",
    );

    t.diagnostic(`pause seen on B ${elapsed.toFixed(0)} ms after A answered it`);
    assert.ok(elapsed < PROPAGATION_MS, `seen after ${elapsed.toFixed(0)} ms`);
    const pingId = await bidOn(b);
    assert.deepEqual(receivers(await requestsFor(pingId), "ping"), ["beta"], "B no longer pings alpha");

    const resumedAt = await putCampaignOnA(alpha);
    resumed = true;
    const resumeMs = await propagationMs(
      "/v1/admin/campaigns/alpha",
      resumedAt,
      (r) => r.body?.status === "active",
    );
    assert.ok(resumeMs < PROPAGATION_MS, `resume seen after ${resumeMs.toFixed(0)} ms`);
    const again = await bidOn(b);
    assert.deepEqual(receivers(await requestsFor(again), "ping"), ["alpha", "beta"]);
  } finally {
    // Failed before the resume: put alpha back anyway, so the tests after this one run on the configuration they expect.
    if (!resumed) await a.admin("PUT", "/v1/admin/campaigns/alpha", alpha);
  }
});

test("a buyer and campaign added through A bid in B's auctions within a second", async (t) => {
  const buyer = await a.admin("PUT", "/v1/admin/buyers/gamma", { name: "gamma", status: "active" });
  assert.equal(buyer.status, 200, JSON.stringify(buyer.body));
  await onBBefore("/v1/admin/campaigns/gamma", (r) => r.status === 404, "no campaign gamma");
  const changedAt = await putCampaignOnA(campaignFor("gamma"));

  const elapsed = await propagationMs("/v1/admin/campaigns/gamma", changedAt, (r) => r.status === 200);

  t.diagnostic(`new campaign seen on B ${elapsed.toFixed(0)} ms after A answered it`);
  assert.ok(elapsed < PROPAGATION_MS, `seen after ${elapsed.toFixed(0)} ms`);
  const reply = await ping(b);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.price, 40, "gamma's $50 bid wins on B (80% to the source)");
  assert.deepEqual(receivers(await requestsFor(reply.body.ping_id), "ping"), ["alpha", "beta", "gamma"]);
});

test("a burst of changes through A: B ends on the last one", async () => {
  // Each change notifies B, which reloads the whole configuration; the reloads must not finish out of order.
  const gamma = campaignFor("gamma");
  let changedAt = 0;
  for (let change = 0; change < 20; change++) {
    changedAt = await putCampaignOnA({ ...gamma, status: change % 2 === 0 ? "paused" : "active" });
  }
  const lastStatus = "active";
  await propagationMs("/v1/admin/campaigns/gamma", changedAt, (r) => r.body?.status === lastStatus);
  // Stable, not just passing through: still the last change a moment later, on both instances.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const exchange of [a, b]) {
    const reply = await exchange.admin("GET", "/v1/admin/campaigns/gamma");
    assert.equal(reply.body.status, lastStatus, `${exchange.name} holds the last change`);
  }
  // Back to two buyers for the load test.
  const paused = await putCampaignOnA({ ...gamma, status: "paused" });
  await propagationMs("/v1/admin/campaigns/gamma", paused, (r) => r.body?.status === "paused");
});

function sumStats(stats: Record<string, BuyerStats>): { posts: number; accepted: number } {
  let posts = 0;
  let accepted = 0;
  for (const buyer of Object.values(stats)) {
    posts += buyer.posts;
    accepted += buyer.accepted;
  }
  return { posts, accepted };
}

test("300 ping→post pairs split across A and B, 30 in flight: no lead lost, none sold twice", async (t) => {
  const PAIRS = 300;
  const IN_FLIGHT = 30;
  // Some posts are rejected, so leads are sold by the winner, sold by a fallback, or left unsold.
  await farm.setBehavior({ ...ALPHA, postAcceptRate: 0.8 });
  await farm.setBehavior({ ...BETA, postAcceptRate: 0.8 });
  const before = sumStats(await farm.stats());
  const answers: { pingId: string; post: Reply }[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let pair = next++; pair < PAIRS; pair = next++) {
      const [pingOn, postOn] = pair % 2 === 0 ? [a, b] : [b, a];
      const pinged = await ping(pingOn);
      if (pinged.status !== 200 || pinged.body.status !== "bid") {
        failures.push(`ping ${pair} on ${pingOn.name}: ${pinged.status} ${JSON.stringify(pinged.body)}`);
        continue;
      }
      const posted = await post(postOn, pinged.body.ping_id);
      if (posted.status !== 200) {
        failures.push(`post ${pair} on ${postOn.name}: ${posted.status} ${JSON.stringify(posted.body)}`);
        continue;
      }
      answers.push({ pingId: pinged.body.ping_id, post: posted });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  await farm.setBehavior(ALPHA);
  await farm.setBehavior(BETA);

  assert.deepEqual(failures, [], "every ping and post was answered");
  assert.equal(answers.length, PAIRS);
  const acknowledgedSold = answers.filter(({ post }) => post.body.status === "sold").length;
  t.diagnostic(`${PAIRS} pairs in ${seconds.toFixed(1)} s; ${acknowledgedSold} sold`);

  // Every acknowledged answer is in PostgreSQL exactly once, as answered.
  const ours = new Set(answers.map(({ pingId }) => pingId));
  const stored = (await storedLeads(backends.schema)).filter((row) => ours.has(row.auction_id));
  assert.equal(stored.length, PAIRS, "one stored lead per pair: none lost, none extra");
  const byId = new Map(stored.map((row) => [row.id, row]));
  for (const { pingId, post: answer } of answers) {
    const row = byId.get(answer.body.lead_id);
    assert.ok(row, `lead ${answer.body.lead_id} (ping ${pingId}) answered but not stored`);
    assert.equal(row.auction_id, pingId);
    assert.equal(row.status, answer.body.status);
  }
  assert.equal(new Set(stored.map((row) => row.auction_id)).size, PAIRS, "no ping has two leads");

  // The buyers' side: accepted posts are exactly the sold leads, and every post belongs to one of our auctions.
  const after = sumStats(await farm.stats());
  const soldInStore = stored.filter((row) => row.status === "sold").length;
  assert.equal(soldInStore, acknowledgedSold);
  assert.equal(after.accepted - before.accepted, soldInStore, "accepted posts == sold leads");
  const posts = (await farm.requests()).filter(
    (request) => request.kind === "post" && ours.has(requestIdOf(request) ?? ""),
  );
  assert.equal(
    posts.length,
    after.posts - before.posts,
    "every post the buyers got was for one of these pings",
  );
  const postedTo = new Set<string>();
  for (const request of posts) {
    const key = `${requestIdOf(request)} to ${request.buyer}`;
    assert.ok(!postedTo.has(key), `ping ${key} was posted twice`);
    postedTo.add(key);
  }
});

test("both instances drain one outbox: every lead's postback is delivered exactly once", async () => {
  const leads = await storedLeads(backends.schema);
  assert.ok(leads.length >= 300, `${leads.length} leads`);
  const delivered = await pollUntil(async () => {
    const ids = new Set(postbacks.received.map((body) => body.lead_id));
    return leads.every((row) => ids.has(row.id)) ? postbacks.received : undefined;
  }, 15_000);
  assert.ok(delivered, `${postbacks.received.length} postbacks for ${leads.length} leads after 15 s`);
  await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up, were there one
  const perLead = new Map<unknown, number>();
  for (const body of postbacks.received) perLead.set(body.lead_id, (perLead.get(body.lead_id) ?? 0) + 1);
  const twice = [...perLead].filter(([, count]) => count > 1);
  // Should it happen, the items say how: a retry after an attempt recorded as failed has a last_error (a timeout: the
  // receiver took it but answered too late); a second claim with none recorded (a result the store never took, or two
  // claims at once) has attempts 2 and no last_error; attempts 1 would mean one claim sent it twice.
  assert.deepEqual(
    twice,
    [],
    `postbacks delivered more than once; their outbox items: ${JSON.stringify(await outboxItemsOf(twice.map(([id]) => String(id))))}`,
  );
  assert.equal(perLead.size, leads.length);
});
