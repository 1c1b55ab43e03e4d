// GET /v1/admin/leads sorted on the server: every sort and direction pages with next_before through each lead once,
// in the order the values say (a lead without a buyer price below every price, ties by id); a sort or direction
// the API does not know is a 400 naming the field. A buyer's own purchases (GET /v1/buyer/leads) page either way.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  type Reply,
  startHarness,
} from "../helpers/exchange-harness.ts";

interface Listed {
  id: string;
  status: string;
  price: number;
  buyer_price?: number;
  created_at: string;
}

const VALUE = {
  created_at: (lead: Listed) => Date.parse(lead.created_at),
  price: (lead: Listed) => lead.price,
  buyer_price: (lead: Listed) => lead.buyer_price ?? -1,
} as const;

describe(`[${BACKEND}] admin API: sorted lead pages`, () => {
  let h: Harness;
  let all: Listed[];

  before(async () => {
    // Bids anywhere from $10 to $90: sold leads with different prices (some may tie, which paging must survive).
    h = await startHarness([bidder("buyer", 30, { price: [10, 90] })]);
    const lead = personalInjuryLead();
    const send = () =>
      h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });
    for (let i = 0; i < 6; i++) assert.equal((await send()).body.status, "sold");
    // With the only campaign paused, leads go unsold: no buyer price.
    const campaign = (await h.admin("GET", "/v1/admin/campaigns/buyer")).body;
    assert.equal(
      (await h.admin("PUT", "/v1/admin/campaigns/buyer", { ...campaign, status: "paused" })).status,
      200,
    );
    for (let i = 0; i < 3; i++) assert.equal((await send()).body.status, "unsold");
    all = (await h.admin("GET", "/v1/admin/leads?limit=500")).body.leads;
    assert.equal(all.length, 9);
  });

  after(async () => {
    await h.close();
  });

  for (const sort of ["created_at", "price", "buyer_price"] as const)
    for (const direction of ["desc", "asc"] as const)
      test(`sort=${sort}&direction=${direction} pages through every lead once, in order`, async () => {
        const sign = direction === "asc" ? 1 : -1;
        const expected = [...all]
          .sort((a, b) => sign * (VALUE[sort](a) - VALUE[sort](b) || (a.id < b.id ? -1 : 1)))
          .map((lead) => lead.id);
        const seen: string[] = [];
        let cursor = "";
        for (let page = 0; page < 10; page++) {
          const reply = await h.admin(
            "GET",
            `/v1/admin/leads?limit=2&sort=${sort}&direction=${direction}${cursor && `&before=${cursor}`}`,
          );
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          seen.push(...reply.body.leads.map((lead: Listed) => lead.id));
          // A full page says where the next begins; a short one says nothing (there is no next).
          assert.equal(reply.body.next_before, reply.body.leads.length === 2 ? seen.at(-1) : undefined);
          if (!reply.body.next_before) break;
          cursor = reply.body.next_before;
        }
        assert.deepEqual(seen, expected);
      });

  test("highest buyer price first puts the unsold leads last; a status filter keeps to its leads", async () => {
    const highest = (await h.admin("GET", "/v1/admin/leads?limit=500&sort=buyer_price")).body
      .leads as Listed[];
    assert.deepEqual(
      highest.map((lead) => lead.status),
      [...Array(6).fill("sold"), ...Array(3).fill("unsold")],
    );
    const cheapestSold = (await h.admin("GET", "/v1/admin/leads?sort=buyer_price&direction=asc&status=sold"))
      .body;
    assert.equal(cheapestSold.leads.length, 6);
    assert.equal(
      cheapestSold.leads[0].buyer_price,
      Math.min(...highest.slice(0, 6).map((l) => l.buyer_price!)),
    );
    assert.equal(cheapestSold.next_before, undefined);
  });

  test("a buyer's purchases page oldest first with direction=asc; another direction is a 400", async () => {
    const key = (await h.admin("POST", "/v1/admin/buyers/buyer/rotate-key")).body.api_key;
    const get = async (query: string): Promise<Reply> => {
      const response = await fetch(`${h.gavel.url}/v1/buyer/leads?${query}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return { status: response.status, body: await response.json() };
    };
    const newest = (await get("limit=500")).body.leads.map((lead: Listed) => lead.id);
    assert.equal(newest.length, 6);
    const seen: string[] = [];
    let cursor = "";
    for (let page = 0; page < 10; page++) {
      const reply = await get(`limit=4&direction=asc${cursor && `&before=${cursor}`}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      seen.push(...reply.body.leads.map((lead: Listed) => lead.id));
      if (!reply.body.next_before) break;
      cursor = reply.body.next_before;
    }
    assert.deepEqual(seen, [...newest].reverse());
    const bad = await get("direction=oldest");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "direction");
  });

  test("a sort or direction it does not know is a 400 naming the field, never a 500", async () => {
    for (const [query, field] of [
      ["sort=id", "sort"],
      ["sort=", "sort"],
      ["sort=price;DROP TABLE leads", "sort"],
      ["sort=PRICE", "sort"],
      ["direction=up", "direction"],
      ["sort=price&direction=", "direction"],
      ["before=l%00", "before"],
    ] as const) {
      const reply = await h.admin("GET", `/v1/admin/leads?${query}`);
      assert.equal(reply.status, 400, query);
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION", query);
      assert.equal(reply.body.error.field, field, query);
    }
  });
});
