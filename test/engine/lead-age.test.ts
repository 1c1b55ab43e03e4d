// Lead age end to end, on both backends: the source says when the consumer submitted the form (`form_submitted_at`
// on the ping or direct post), and a campaign's lead_age_minutes rule reads it. A lead too old, or of unknown age, is
// filtered for that campaign with the rule named in the trace; a malformed or future form time is a 400.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { lineOf, pingWithTrace, sendDirect, sendPing } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe(`[${BACKEND}] lead age`, () => {
  let h: Harness;

  before(async () => {
    // fresh pays $40 for leads at most 15 minutes old; aged takes anything for $10.
    h = await startHarness([bidder("fresh", 40), bidder("aged", 10)], (farm) => ({
      sources: [testSource()],
      buyers: [
        { id: "fresh", name: "fresh", status: "active" },
        { id: "aged", name: "aged", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "fresh", { rules: { lead_age_minutes: { op: "lte", value: 15 } } }),
        realtimeCampaign(farm, "aged"),
      ],
    }));
  });
  after(() => h?.close());

  async function pingTrace(extra: Record<string, unknown>) {
    const ping = await sendPing(h, { extra });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    return (await pingWithTrace(h, ping.body.ping_id)).trace;
  }

  test("a lead inside the age limit reaches the campaign; an older one is filtered, naming the rule", async () => {
    const young = await pingTrace({ form_submitted_at: minutesAgo(5) });
    assert.equal(lineOf(young, "ping", "fresh").outcome, "won");

    const old = await pingTrace({ form_submitted_at: minutesAgo(30) });
    assert.equal(lineOf(old, "ping", "fresh").outcome, "filtered");
    assert.equal(lineOf(old, "ping", "fresh").detail, "lead_age_minutes lte 15");
    assert.equal(lineOf(old, "ping", "aged").outcome, "won", "other campaigns still bid");
  });

  test("without a form time the age is unknown, and an age rule does not pass", async () => {
    const trace = await pingTrace({});
    assert.equal(lineOf(trace, "ping", "fresh").outcome, "filtered");
    assert.equal(lineOf(trace, "ping", "fresh").detail, "lead_age_minutes lte 15 (form time unknown)");
  });

  test("an offset time zone is read as the same instant; the direct post reads the form time too", async () => {
    const at = new Date(Date.now() - 10 * 60_000);
    const inNewYork = new Date(at.getTime() - 5 * 3_600_000).toISOString().replace("Z", "-05:00");
    const young = await pingTrace({ form_submitted_at: inNewYork });
    assert.equal(lineOf(young, "ping", "fresh").outcome, "won");

    const direct = await sendDirect(h, { extra: { form_submitted_at: minutesAgo(60) } });
    assert.equal(direct.body.status, "sold", JSON.stringify(direct.body));
    assert.equal(direct.body.price, 8, "sold to aged ($10 at 80%): the hour-old lead was filtered for fresh");
  });

  test("a malformed or future form time is a 400 naming form_submitted_at", async () => {
    for (const bad of [
      "yesterday",
      "2026-11-22",
      "2026-11-22T10:00:00",
      "2026-13-40T10:00:00Z",
      minutesAgo(-60),
    ]) {
      const reply = await sendPing(h, { extra: { form_submitted_at: bad } });
      assert.equal(reply.status, 400, `${bad}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION");
      assert.equal(reply.body.error.field, "form_submitted_at");
    }
    const direct = await sendDirect(h, { extra: { form_submitted_at: 1_700_000_000 } });
    assert.equal(direct.status, 400, JSON.stringify(direct.body));
    assert.equal(direct.body.error.field, "form_submitted_at");
  });
});
