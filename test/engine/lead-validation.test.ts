// Lead validation in the auction, on both backends: the quality score is the first step of the decision trace, a
// campaign filter reads it (quality_score gte 90), buyers receive it on the ping (native quality_score; no PII), and
// velocity by source counts the same phone, e-mail or IP in the hot state (memory, or Redis shared by instances).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { leadWithTrace, lineOf, pingWithTrace, sendDirect, sendPing } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

describe(`[${BACKEND}] lead validation in the auction`, () => {
  let h: Harness;

  before(async () => {
    // picky buys only leads scoring 90 or more; anyone buys the rest.
    h = await startHarness([bidder("picky", 40), bidder("anyone", 10)], (farm) => ({
      verticals: [
        {
          ...personalInjury,
          validation: { min_form_seconds: 10, velocity: { max: 2, window_seconds: 600 } },
        },
      ],
      sources: [testSource()],
      buyers: [
        { id: "picky", name: "picky", status: "active" },
        { id: "anyone", name: "anyone", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "picky", { filters: [{ field: "quality_score", op: "gte", value: 90 }] }),
        realtimeCampaign(farm, "anyone"),
      ],
    }));
  });
  after(() => h?.close());

  test("a form completed in 3 s: scored 60 in the trace, filtered by quality_score gte 90, sent to the others", async () => {
    const ping = await sendPing(h, {
      extra: { form_started_at: secondsAgo(33), form_submitted_at: secondsAgo(30) },
    });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    const { ping: record, trace } = await pingWithTrace(h, ping.body.ping_id);
    assert.equal(record.quality.score, 60);
    assert.deepEqual(
      record.quality.issues.map((issue: { check: string; hard: boolean }) => [issue.check, issue.hard]),
      [["form_too_fast", false]],
    );
    const picky = lineOf(trace, "ping", "picky");
    assert.equal(picky.outcome, "filtered");
    assert.equal(picky.detail, "quality_score gte 90");
    assert.equal(lineOf(trace, "ping", "anyone").outcome, "won");
    const pinged = (await h.farm.requests()).filter(
      (r) => r.kind === "ping" && JSON.parse(r.body).request_id === ping.body.ping_id,
    );
    assert.deepEqual(
      pinged.map((r) => [r.buyer, JSON.parse(r.body).quality_score]),
      [["anyone", 60]],
    );
  });

  test("a lead taking its time scores 100 and reaches every buyer; a direct post's lead shows its score", async () => {
    const lead = personalInjuryLead();
    const reply = await sendDirect(h, {
      lead: { ...lead, full: { ...lead.full, phone: "(310) 275-0199" } },
      extra: { form_started_at: secondsAgo(120), form_submitted_at: secondsAgo(30) },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const { lead: stored, quality, trace } = await leadWithTrace(h, reply.body.lead_id);
    assert.deepEqual(quality, { score: 100, issues: [] });
    assert.equal(stored.buyer_id, "picky", JSON.stringify({ stored, trace }));
    assert.equal(lineOf(trace, "ping", "picky").outcome, "won");
  });

  test("velocity: the same phone from one source a third time in the window lowers the score (hashes as keys)", async () => {
    const phone_sha256 = randomBytes(32).toString("hex");
    const scores: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ping = await sendPing(h, {
        lead: personalInjuryLead({ days_since_accident: 20 + i }),
        extra: { contact_hash: { phone_sha256 } },
      });
      assert.equal(ping.status, 200, JSON.stringify(ping.body));
      const { ping: record } = await pingWithTrace(h, ping.body.ping_id);
      scores.push(record.quality.score);
      if (i === 2) {
        assert.equal(record.quality.issues[0].check, "velocity");
        assert.match(record.quality.issues[0].message, /same phone came from this source more than 2 times/);
        assert.doesNotMatch(JSON.stringify(record.quality), new RegExp(phone_sha256));
      }
    }
    assert.deepEqual(scores, [100, 100, 70]);
  });
});
