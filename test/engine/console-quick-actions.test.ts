// The console's quick actions over the admin API, on both backends: pause and resume a source, a buyer or a campaign
// from a list without sending the entry back (audited, a test entry refused, an operator's pause of a campaign not
// resumable by its buyer); returns approved or rejected in bulk with the operator's reason (each refunded as a single
// approval would be, the reason in each audit event, one already decided failing alone).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { sendDirect } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const BUYER_KEY = "quick-actions-buyer-key-0123";

describe(`[${BACKEND}] console quick actions`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness([bidder("alpha", 40)], (farm) => ({
      sources: [
        testSource(),
        testSource({ id: "src-test", name: "Test source", status: "test", api_key_sha256: sha256Hex("t") }),
      ],
      buyers: [{ id: "alpha", name: "Alpha", status: "active", api_key_sha256: sha256Hex(BUYER_KEY) }],
      campaigns: [
        realtimeCampaign(farm, "alpha", { return_window_days: 7 }),
        realtimeCampaign(farm, "alpha", { id: "alpha-test", status: "test" }),
      ],
    }));
  });
  after(async () => {
    await h?.close();
  });

  const statusOf = async (plural: string, id: string) =>
    (await h.admin("GET", `/v1/admin/${plural}/${id}`)).body.status;
  const lastStatusChange = async (entity: string) => {
    const { events } = (await h.admin("GET", `/v1/admin/audit?kind=config.put&entity=${entity}&limit=1`))
      .body;
    return events[0] as {
      actor: { type: string };
      changes: { path: string; before?: unknown; after?: unknown }[];
    };
  };

  test("a source, a buyer and a campaign pause and resume from the list, each audited", async () => {
    assert.equal((await h.admin("POST", "/v1/admin/sources/src-main/pause")).status, 200);
    assert.equal(await statusOf("sources", "src-main"), "paused");
    const paused = await sendDirect(h);
    assert.equal(paused.body.error?.code, "GAVEL_SOURCE_PAUSED", JSON.stringify(paused.body));
    const event = await lastStatusChange("source:src-main");
    assert.equal(event.actor.type, "admin");
    assert.deepEqual(event.changes, [{ path: "status", before: "live", after: "paused" }]);
    assert.equal((await h.admin("POST", "/v1/admin/sources/src-main/resume")).body.source.status, "live");
    assert.equal((await sendDirect(h)).body.status, "sold");

    assert.equal((await h.admin("POST", "/v1/admin/buyers/alpha/pause")).body.buyer.status, "paused");
    assert.equal((await sendDirect(h)).body.status, "unsold", "a paused buyer does not buy");
    assert.equal((await h.admin("POST", "/v1/admin/buyers/alpha/resume")).body.status, "active");

    assert.equal((await h.admin("POST", "/v1/admin/campaigns/alpha/pause")).body.campaign.status, "paused");
    const buyerResume = await fetch(`${h.gavel.url}/v1/buyer/campaigns/alpha/resume`, {
      method: "POST",
      headers: { authorization: `Bearer ${BUYER_KEY}` },
    });
    assert.equal(buyerResume.status, 409, "the operator's pause is the operator's to lift");
    assert.equal((await h.admin("POST", "/v1/admin/campaigns/alpha/resume")).body.campaign.status, "active");
    assert.equal((await sendDirect(h)).body.status, "sold");
  });

  test("a test entry is not paused from the list; an unknown one is a 404", async () => {
    for (const path of ["/v1/admin/sources/src-test/pause", "/v1/admin/campaigns/alpha-test/pause"]) {
      const answer = await h.admin("POST", path);
      assert.equal(answer.status, 409, path);
      assert.equal(answer.body.error.code, "GAVEL_TEST_ENTRY", path);
      assert.equal(answer.body.error.field, "id");
    }
    assert.equal(await statusOf("sources", "src-test"), "test");
    assert.equal((await h.admin("POST", "/v1/admin/buyers/nobody/pause")).body.error.code, "GAVEL_NOT_FOUND");
  });

  test("returns approved in bulk with a reason: each refunded and audited with it; a decided one fails alone", async () => {
    const returnIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sold = await sendDirect(h);
      assert.equal(sold.body.status, "sold", JSON.stringify(sold.body));
      const requested = await h.admin("POST", `/v1/admin/leads/${sold.body.lead_id}/returns`, {
        reason: "invalid_contact",
      });
      assert.equal(requested.status, 201, JSON.stringify(requested.body));
      returnIds.push(requested.body.return.id);
    }
    assert.equal((await h.admin("POST", `/v1/admin/returns/${returnIds[2]}/reject`)).status, 200);

    const bulk = await h.admin("POST", "/v1/admin/returns/decide", {
      ids: returnIds,
      decision: "approve",
      reason: "disconnected numbers confirmed by the carrier",
    });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    assert.deepEqual(
      bulk.body.returns.map((item: { id: string; status: string; refund: number }) => [
        item.id,
        item.status,
        item.refund,
      ]),
      [
        [returnIds[0], "approved", 40],
        [returnIds[1], "approved", 40],
      ],
    );
    assert.deepEqual(
      bulk.body.failed.map((item: { id: string; code: string }) => [item.id, item.code]),
      [[returnIds[2], "GAVEL_RETURN_DECIDED"]],
    );
    for (const id of returnIds.slice(0, 2)) {
      const { events } = (await h.admin("GET", `/v1/admin/audit?kind=return.decide&entity=return:${id}`))
        .body;
      assert.match(events[0].note, /decided in bulk: disconnected numbers confirmed by the carrier/);
    }
  });

  test("a bulk decision without a reason, or with too many ids, is a 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ ids: ["x"], decision: "approve" }, "reason"],
      [{ ids: ["x"], decision: "approve", reason: "   " }, "reason"],
      [{ ids: [], decision: "approve", reason: "r" }, "ids"],
      [{ ids: Array.from({ length: 101 }, (_, i) => `r${i}`), decision: "approve", reason: "r" }, "ids"],
      [{ ids: ["x"], decision: "maybe", reason: "r" }, "decision"],
    ];
    for (const [body, field] of cases) {
      const answer = await h.admin("POST", "/v1/admin/returns/decide", body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.code, "GAVEL_VALIDATION");
      assert.equal(answer.body.error.field, field, JSON.stringify(answer.body));
    }
  });
});
