// The operator's lead list filtered by buyer, campaign, vertical, sub-id, test traffic, returned and a time range,
// on both backends, page by page; and the same filters' CSV export, streamed, holding the whole filtered list (more
// than one store page would be: the export reads 500 at a time) and no contact details. Bad filters are 400s.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sendDirect } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

interface LeadWire {
  id: string;
  buyer_id?: string;
  campaign_id?: string;
  sub_id?: string;
  test: boolean;
  status: string;
}

describe(`[${BACKEND}] lead list filters and export`, () => {
  let h: Harness;
  const ids: Record<string, string[]> = { alpha: [], beta: [], test: [], returned: [] };
  let startedAt = "";
  before(async () => {
    h = await startHarness([bidder("alpha", 40), bidder("beta", 30)], (farm) => ({
      sources: [testSource()],
      buyers: [
        { id: "alpha", name: "Alpha", status: "active" },
        { id: "beta", name: "Beta", status: "active" },
      ],
      campaigns: [realtimeCampaign(farm, "alpha", { return_window_days: 7 }), realtimeCampaign(farm, "beta")],
    }));
    startedAt = new Date(Date.now() - 1000).toISOString();
  });
  after(async () => {
    await h?.close();
  });

  const list = async (query: string): Promise<LeadWire[]> => {
    const answer = await h.admin("GET", `/v1/admin/leads?limit=500&${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.leads;
  };
  const csv = async (query: string) => {
    const response = await fetch(`${h.gavel.url}/v1/admin/leads.csv?${query}`, {
      headers: { authorization: "Bearer test-admin-key" },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/csv/);
    return (await response.text()).trimEnd().split("\r\n");
  };

  test("each filter narrows the list, and they combine", async () => {
    for (const subId of ["google", "google", "meta"]) {
      const sold = await sendDirect(h, { extra: { sub_id: subId } });
      assert.equal(sold.body.status, "sold", JSON.stringify(sold.body));
      ids.alpha!.push(sold.body.lead_id);
    }
    // alpha paused: beta buys the next lead.
    await h.admin("POST", "/v1/admin/buyers/alpha/pause");
    const toBeta = await sendDirect(h, { extra: { sub_id: "meta" } });
    ids.beta!.push(toBeta.body.lead_id);
    await h.admin("POST", "/v1/admin/buyers/alpha/resume");
    const testLead = await sendDirect(h, { extra: { test: true } });
    ids.test!.push(testLead.body.lead_id);
    const returned = ids.alpha![0]!;
    const filed = await h.admin("POST", `/v1/admin/leads/${returned}/returns`, { reason: "invalid_contact" });
    await h.admin("POST", `/v1/admin/returns/${filed.body.return.id}/approve`);

    const idsOf = (leads: LeadWire[]) => leads.map((lead) => lead.id).toSorted();
    assert.deepEqual(idsOf(await list("buyer_id=beta")), ids.beta);
    assert.deepEqual(idsOf(await list("campaign_id=beta")), ids.beta);
    assert.deepEqual(idsOf(await list("sub_id=meta")), [ids.alpha![2]!, ids.beta![0]!].toSorted());
    assert.deepEqual(idsOf(await list("sub_id=google&buyer_id=alpha")), ids.alpha!.slice(0, 2).toSorted());
    assert.deepEqual(idsOf(await list("test=true")), ids.test);
    assert.equal((await list("test=false")).length, 4);
    assert.deepEqual(idsOf(await list("returned=true")), [returned]);
    assert.equal((await list("returned=false&test=false")).length, 3);
    assert.equal((await list("vertical=personal_injury")).length, 5);
    assert.equal((await list("vertical=auto_insurance")).length, 0);
    assert.equal((await list(`from=${startedAt}`)).length, 5);
    assert.equal((await list(`to=${startedAt}`)).length, 0);
    // One consumer's leads (found by hash) honour the filters too; returned cannot be judged there and is refused.
    const contact = `contact=${encodeURIComponent("Jordan.Rivera@example.com")}`;
    assert.equal((await list(contact)).length, 5, "every lead here is that consumer's");
    assert.deepEqual(idsOf(await list(`${contact}&buyer_id=beta`)), ids.beta);
    const refused = await h.admin("GET", `/v1/admin/leads?${contact}&returned=true`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, "returned");
    // Paged: two at a time, the same three alpha leads in order.
    const first = await h.admin("GET", "/v1/admin/leads?limit=2&buyer_id=alpha&test=false");
    const second = await h.admin(
      "GET",
      `/v1/admin/leads?limit=2&buyer_id=alpha&test=false&before=${first.body.next_before}`,
    );
    assert.deepEqual(
      [...first.body.leads, ...second.body.leads].map((lead: LeadWire) => lead.id).toSorted(),
      ids.alpha!.toSorted(),
    );
  });

  test("the CSV export holds the whole filtered list, no contact details", async () => {
    const lines = await csv("buyer_id=alpha&test=false");
    assert.equal(
      lines[0],
      '"lead_id","created_at","source_id","sub_id","vertical","status","returned","test","price","buyer_id","campaign_id","buyer_price","reason"',
    );
    assert.equal(lines.length, 1 + 3);
    assert.ok(lines.slice(1).every((line) => line.includes('"alpha"')));
    // The refunded lead (the first test returned alpha's first) reads returned, as in the lead list; the others do not.
    const returned = ids.alpha![0];
    const returnedColumn = (line: string) => line.split(",")[6];
    assert.deepEqual(
      lines
        .slice(1)
        .map((line) => [line.split(",")[0], returnedColumn(line)])
        .toSorted(),
      ids.alpha!.map((id) => [`"${id}"`, id === returned ? '"true"' : '"false"']).toSorted(),
    );
    const everything = (await csv("")).join("\n");
    assert.ok(!everything.includes("@example.com"), "no e-mail addresses");
    // More than one store page: 505 leads come back in 2 reads of 500.
    for (let batch = 0; batch < 25; batch++)
      await Promise.all(Array.from({ length: 20 }, () => sendDirect(h, { extra: { sub_id: "bulk" } })));
    assert.equal((await csv("sub_id=bulk")).length, 1 + 500);
  });

  test("a bad filter is a 400 naming it", async () => {
    for (const [query, field] of [
      ["from=yesterday", "from"],
      ["test=maybe", "test"],
    ] as const) {
      const answer = await h.admin("GET", `/v1/admin/leads?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error.code, "GAVEL_VALIDATION");
      assert.match(answer.body.error.field ?? answer.body.error.message, new RegExp(field));
    }
  });
});
