// The buyer API end to end, on both backends, over real HTTP: a buyer's key issued (once) and rotated by the operator;
// the buyer lists and reads only the leads it bought (another buyer's lead is 404, a shared lead shows only its own
// purchase); it returns a lead, which the operator approves; it reports conversions (idempotent per stage, refused
// with clear errors), and the operator's conversion report adds them up by source. No key, a wrong key, a source's
// key or the admin key: 401.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import type { Vertical } from "../../src/domain/vertical.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { sendDirect } from "../helpers/engine-steps.ts";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  OTHER_SOURCE_KEY,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const shared: Vertical = {
  ...personalInjury,
  id: "pi_shared",
  routing: { mode: "highest_bid", max_buyers: 2 },
};
const HOUR_MS = 3_600_000;

describe(`[${BACKEND}] buyer API`, () => {
  let h: Harness;
  const keys: Record<string, string> = {};
  const startedAt = Date.now();

  before(async () => {
    h = await startHarness([bidder("alpha", 40), bidder("beta", 30)], (farm) => ({
      verticals: [shared, { ...personalInjury, id: "pi_beta" }],
      sources: [
        testSource(),
        testSource({ id: "src-other", name: "Other source", api_key_sha256: sha256Hex(OTHER_SOURCE_KEY) }),
      ],
      buyers: [
        { id: "alpha", name: "Alpha Law", status: "active" },
        { id: "beta", name: "Beta Injury", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "alpha", { return_window_days: 7 }),
        realtimeCampaign(farm, "beta", { id: "beta-solo", vertical: "pi_beta", return_window_days: 7 }),
        realtimeCampaign(farm, "alpha", { id: "alpha-shared", vertical: "pi_shared" }),
        realtimeCampaign(farm, "beta", { id: "beta-shared", vertical: "pi_shared" }),
      ],
    }));
    for (const buyer of ["alpha", "beta"]) {
      const issued = await h.admin("POST", `/v1/admin/buyers/${buyer}/rotate-key`);
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      assert.match(issued.body.api_key, /^gvl_/);
      assert.equal(issued.body.buyer.api_key_sha256, sha256Hex(issued.body.api_key), "only the hash is kept");
      keys[buyer] = issued.body.api_key;
    }
  });
  after(async () => {
    await h?.close();
  });

  const as = async (
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Reply> => {
    const response = await fetch(h.gavel.url + path, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const asBuyer = (buyer: string, method: string, path: string, body?: unknown) =>
    as(keys[buyer], method, path, body);
  const sell = async (vertical: string, key = SOURCE_KEY) => {
    const direct = await sendDirect(h, { extra: { vertical }, key });
    assert.equal(direct.body.status, "sold", JSON.stringify(direct.body));
    return direct.body.lead_id as string;
  };

  test("no key, a wrong key, a source's key or the admin key: 401", async () => {
    for (const key of [undefined, "gvl_not-a-key", SOURCE_KEY, ADMIN_KEY]) {
      const reply = await as(key, "GET", "/v1/buyer/leads");
      assert.equal(reply.status, 401, `key ${key}`);
      assert.equal(reply.body.error.code, "GAVEL_UNAUTHORIZED");
    }
    const post = await as(SOURCE_KEY, "POST", "/v1/buyer/leads/x/conversions", { stage: "closed" });
    assert.equal(post.status, 401);
  });

  test("a buyer lists and reads only its own leads; a shared lead shows only its own purchase", async () => {
    const alphaLead = await sell("personal_injury");
    const betaLead = await sell("pi_beta");
    const sharedLead = await sell("pi_shared");

    const alphaList = await asBuyer("alpha", "GET", "/v1/buyer/leads");
    assert.equal(alphaList.status, 200, JSON.stringify(alphaList.body));
    assert.deepEqual(
      alphaList.body.leads.map((lead: { id: string }) => lead.id),
      [sharedLead, alphaLead],
      "newest first, its own only",
    );
    const [sharedForAlpha, own] = alphaList.body.leads;
    assert.equal(own.lead.email, "jordan.rivera@example.com", "with the PII it paid for");
    assert.deepEqual([own.price, own.campaign_id], [40, "alpha"]);
    assert.deepEqual([sharedForAlpha.price, sharedForAlpha.campaign_id], [40, "alpha-shared"]);
    for (const hidden of ["source_id", "sub_id", "shares", "buyer_id", "auction_id"]) {
      assert.equal(hidden in own, false, `${hidden} is not shown to a buyer`);
    }
    assert.equal(JSON.stringify(alphaList.body).includes("beta"), false, "nothing about the other buyer");

    const betaShared = await asBuyer("beta", "GET", `/v1/buyer/leads/${sharedLead}`);
    assert.equal(betaShared.status, 200);
    assert.deepEqual([betaShared.body.lead.price, betaShared.body.lead.campaign_id], [30, "beta-shared"]);
    assert.equal(
      JSON.stringify(betaShared.body).includes("alpha"),
      false,
      "nor the other buyer of a shared lead",
    );
    assert.deepEqual(betaShared.body.conversions, []);

    for (const path of [`/v1/buyer/leads/${betaLead}`, "/v1/buyer/leads/no-such-lead"]) {
      const reply = await asBuyer("alpha", "GET", path);
      assert.equal(reply.status, 404, "another buyer's lead is as absent as one that does not exist");
      assert.equal(reply.body.error.code, "GAVEL_NOT_FOUND");
    }

    const page = await asBuyer("alpha", "GET", "/v1/buyer/leads?limit=1");
    assert.equal(page.body.leads.length, 1);
    assert.equal(page.body.next_before, sharedLead);
    const next = await asBuyer("alpha", "GET", `/v1/buyer/leads?limit=1&before=${page.body.next_before}`);
    assert.deepEqual(
      next.body.leads.map((lead: { id: string }) => lead.id),
      [alphaLead],
    );
    const foreignCursor = await asBuyer("alpha", "GET", `/v1/buyer/leads?before=${betaLead}`);
    assert.equal(foreignCursor.status, 400);
    assert.deepEqual(
      [foreignCursor.body.error.code, foreignCursor.body.error.field],
      ["GAVEL_VALIDATION", "before"],
    );
  });

  test("a buyer returns a lead it bought; the operator approves it", async () => {
    const leadId = await sell("personal_injury");
    const requested = await asBuyer("alpha", "POST", `/v1/buyer/leads/${leadId}/returns`, {
      reason: "invalid_contact",
      note: "number disconnected",
    });
    assert.equal(requested.status, 201, JSON.stringify(requested.body));
    assert.deepEqual(
      [requested.body.return.status, requested.body.return.refund, requested.body.return.lead_id],
      ["pending", 40, leadId],
    );
    assert.equal("reversal" in requested.body.return, false, "the source's side is not the buyer's business");
    const again = await asBuyer("alpha", "POST", `/v1/buyer/leads/${leadId}/returns`, {
      reason: "invalid_contact",
    });
    assert.equal(again.status, 200, "a repeat answers the first");
    assert.equal(again.body.return.id, requested.body.return.id);
    const otherReason = await asBuyer("alpha", "POST", `/v1/buyer/leads/${leadId}/returns`, {
      reason: "fraud",
    });
    assert.equal(otherReason.status, 409);
    assert.equal(otherReason.body.error.code, "GAVEL_ALREADY_RETURNED");

    const byOther = await asBuyer("beta", "POST", `/v1/buyer/leads/${leadId}/returns`, { reason: "fraud" });
    assert.equal(byOther.status, 404, "another buyer cannot return it");
    const badReason = await asBuyer("alpha", "POST", `/v1/buyer/leads/${leadId}/returns`, { reason: "meh" });
    assert.deepEqual([badReason.status, badReason.body.error.field], [400, "reason"]);

    const approved = await h.admin("POST", `/v1/admin/returns/${requested.body.return.id}/approve`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const mine = await asBuyer("alpha", "GET", "/v1/buyer/returns");
    const decided = mine.body.returns.find((r: { id: string }) => r.id === requested.body.return.id);
    assert.equal(decided?.status, "approved");
    assert.ok(decided.decided_at);
    assert.deepEqual((await asBuyer("beta", "GET", "/v1/buyer/returns")).body.returns, []);
  });

  test("the statement: each charge and refund of the buyer's own, adding up to what it owes", async () => {
    const statement = await asBuyer("alpha", "GET", "/v1/buyer/statement");
    assert.equal(statement.status, 200, JSON.stringify(statement.body));
    const { lines, charged, refunded, net, complete } = statement.body;
    assert.equal(complete, true);
    assert.ok(
      lines.some((line: { kind: string }) => line.kind === "refund"),
      "the approved return's refund",
    );
    const sum = (kind: string) =>
      lines
        .filter((line: { kind: string }) => line.kind === kind)
        .reduce((cents: number, line: { amount: number }) => cents + Math.round(line.amount * 100), 0);
    assert.equal(Math.round(charged * 100), sum("charge"));
    assert.equal(Math.round(refunded * 100), -sum("refund"));
    assert.equal(Math.round(net * 100), sum("charge") + sum("refund"));
    // Alpha's lines are alpha's purchases only.
    const purchases = new Set(
      (await asBuyer("alpha", "GET", "/v1/buyer/leads?limit=500")).body.leads.map(
        (lead: { id: string }) => lead.id,
      ),
    );
    assert.ok(lines.every((line: { lead_id: string }) => purchases.has(line.lead_id)));
    const betaPurchases = new Set(
      (await asBuyer("beta", "GET", "/v1/buyer/leads?limit=500")).body.leads.map(
        (lead: { id: string }) => lead.id,
      ),
    );
    const betaLines: { lead_id: string }[] = (await asBuyer("beta", "GET", "/v1/buyer/statement")).body.lines;
    assert.ok(betaLines.length > 0 && betaLines.every((line) => betaPurchases.has(line.lead_id)));
    const bad = await asBuyer("alpha", "GET", "/v1/buyer/statement?from=yesterday");
    assert.deepEqual([bad.status, bad.body.error.field], [400, "from"]);
  });

  test("conversions: recorded, repeated idempotently, refused for bad input or another buyer's lead", async () => {
    const leadId = await sell("personal_injury");
    const path = `/v1/buyer/leads/${leadId}/conversions`;
    const contacted = await asBuyer("alpha", "POST", path, { stage: "contacted" });
    assert.equal(contacted.status, 201, JSON.stringify(contacted.body));
    assert.equal(contacted.body.conversion.stage, "contacted");
    const closedAt = new Date(Date.now() - 1000).toISOString();
    const closed = await asBuyer("alpha", "POST", path, {
      stage: "closed",
      at: closedAt,
      value: 1250.5,
      note: "12-month policy",
    });
    assert.equal(closed.status, 201);
    assert.deepEqual([closed.body.conversion.value, closed.body.conversion.at], [1250.5, closedAt]);
    const repeat = await asBuyer("alpha", "POST", path, { stage: "closed", value: 99 });
    assert.equal(repeat.status, 200, "a repeat answers the first");
    assert.deepEqual(repeat.body.conversion, closed.body.conversion);

    const detail = await asBuyer("alpha", "GET", `/v1/buyer/leads/${leadId}`);
    assert.deepEqual(
      detail.body.conversions.map((c: { stage: string }) => c.stage),
      ["contacted", "closed"],
    );

    const refused: [unknown, string][] = [
      [{ stage: "signed_up" }, "stage"],
      [{}, "stage"],
      [{ stage: "quoted", at: "yesterday" }, "at"],
      [{ stage: "quoted", at: new Date(Date.now() + 2 * HOUR_MS).toISOString() }, "at"],
      [{ stage: "quoted", at: "2020-01-01T00:00:00Z" }, "at"],
      [{ stage: "quoted", value: -5 }, "value"],
      [{ stage: "quoted", value: 10.005 }, "value"],
      [{ stage: "quoted", value: "100" }, "value"],
      [{ stage: "quoted", extra: true }, "extra"],
    ];
    for (const [body, field] of refused) {
      const reply = await asBuyer("alpha", "POST", path, body);
      assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
      assert.deepEqual([reply.body.error.code, reply.body.error.field], ["GAVEL_VALIDATION", field]);
    }
    const foreign = await asBuyer("beta", "POST", path, { stage: "closed" });
    assert.equal(foreign.status, 404, "another buyer's lead");
    assert.equal(foreign.body.error.code, "GAVEL_NOT_FOUND");
    const missing = await asBuyer("alpha", "POST", "/v1/buyer/leads/no-such-lead/conversions", {
      stage: "closed",
    });
    assert.equal(missing.status, 404);
  });

  test("the conversion report adds conversions up by source", async () => {
    const mainLeads = [await sell("personal_injury"), await sell("personal_injury")];
    const otherLead = await sell("pi_beta", OTHER_SOURCE_KEY);
    await asBuyer("alpha", "POST", `/v1/buyer/leads/${mainLeads[0]}/conversions`, {
      stage: "quoted",
      value: 900,
    });
    await asBuyer("alpha", "POST", `/v1/buyer/leads/${mainLeads[1]}/conversions`, {
      stage: "closed",
      value: 700,
    });
    await asBuyer("beta", "POST", `/v1/buyer/leads/${otherLead}/conversions`, {
      stage: "closed",
      value: 300.25,
    });

    const from = new Date(startedAt - HOUR_MS).toISOString();
    const to = new Date(Date.now() + HOUR_MS).toISOString();
    const report = await h.admin("GET", `/v1/admin/conversions?from=${from}&to=${to}&group_by=source`);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.equal(report.body.group_by, "source");
    const bySource = Object.fromEntries(
      report.body.groups.map((g: { source_id: string }) => [g.source_id, g]),
    );
    assert.deepEqual(bySource["src-other"], {
      source_id: "src-other",
      sold: 1,
      contacted: 1,
      contact_rate: 1,
      quoted: 1,
      quote_rate: 1,
      closed: 1,
      close_rate: 1,
      closed_value: 300.25,
    });
    // Earlier tests sold src-main leads too: every sale counts, and the conversions reported on them.
    const main = bySource["src-main"];
    assert.ok(main.sold >= 5, JSON.stringify(main));
    assert.equal(main.closed_value, 1950.5, "the closed values: 1250.50 earlier and 700 here");
    assert.equal(main.closed, 2);
    assert.equal(main.quoted, 3);
    assert.equal(main.close_rate, Math.round((2 / main.sold) * 10_000) / 10_000);

    const total = await h.admin("GET", `/v1/admin/conversions?from=${from}&to=${to}`);
    assert.equal(total.body.groups.length, 1);
    assert.equal(total.body.groups[0].sold, main.sold + 1);
    for (const [query, field] of [
      [`from=${from}&to=${to}&group_by=hour`, "group_by"],
      [`from=yesterday&to=${to}`, "from"],
      [`from=${to}&to=${from}`, "to"],
      [`to=${to}`, "from"],
    ]) {
      const reply = await h.admin("GET", `/v1/admin/conversions?${query}`);
      assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error.field, field);
    }
    assert.equal((await asBuyer("alpha", "GET", `/v1/admin/conversions?from=${from}&to=${to}`)).status, 401);
  });

  test("the OpenAPI description lists the buyer API and the conversion report", async () => {
    const doc = await as(undefined, "GET", "/docs/json");
    assert.equal(doc.status, 200);
    for (const path of [
      "/v1/buyer/leads",
      "/v1/buyer/leads/{id}",
      "/v1/buyer/leads/{id}/returns",
      "/v1/buyer/leads/{id}/conversions",
      "/v1/buyer/returns",
      "/v1/admin/buyers/{id}/rotate-key",
      "/v1/admin/conversions",
    ]) {
      assert.ok(doc.body.paths[path], `${path} documented`);
    }
  });

  test("the operator rotates a buyer's key: the old one stops working; editing the buyer keeps the key", async () => {
    const edited = await h.admin("PUT", "/v1/admin/buyers/beta", {
      name: "Beta Injury LLC",
      status: "active",
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal((await asBuyer("beta", "GET", "/v1/buyer/leads")).status, 200, "still its key");
    const old = keys.beta;
    const rotated = await h.admin("POST", "/v1/admin/buyers/beta/rotate-key");
    assert.equal(rotated.status, 200);
    assert.equal((await as(old, "GET", "/v1/buyer/leads")).status, 401);
    assert.equal((await as(rotated.body.api_key, "GET", "/v1/buyer/leads")).status, 200);
    keys.beta = rotated.body.api_key;
    assert.equal((await h.admin("POST", "/v1/admin/buyers/nobody/rotate-key")).status, 404);
  });
});
