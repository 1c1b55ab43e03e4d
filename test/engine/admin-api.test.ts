// The admin API: keys issued once and rotated, configuration validated as a whole, the config export, lead paging.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  startHarness,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] admin API`, () => {
  let h: Harness;
  const lead = personalInjuryLead();

  before(async () => {
    h = await startHarness([bidder("buyer", 30)]);
  });

  after(async () => {
    await h.close();
  });

  test("no admin key, or a source's key, is a 401", async () => {
    const anonymous = await fetch(`${h.gavel.url}/v1/admin/config`);
    assert.equal(anonymous.status, 401);
    const asSource = await fetch(`${h.gavel.url}/v1/admin/config`, {
      headers: { authorization: "Bearer test-source-key" },
    });
    assert.equal(asSource.status, 401);
    const asAdmin = await fetch(`${h.gavel.url}/v1/admin/config`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(asAdmin.status, 200);
  });

  test("a new source gets its key once; it works at once; a rotation retires it at once", async () => {
    const created = await h.admin("PUT", "/v1/admin/sources/new-source", {
      name: "New source",
      status: "live",
      payout: { model: "margin", amount: 5 },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const key = created.body.api_key as string;
    assert.match(key, /^gvl_/);
    assert.match(created.body.source.api_key_sha256, /^[0-9a-f]{64}$/);
    const fetched = await h.admin("GET", "/v1/admin/sources/new-source");
    assert.equal(fetched.body.api_key, undefined, "the key is shown once, never again");

    const ping = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping }, { key });
    assert.equal(ping.status, 200);
    assert.equal(ping.body.price, 25, "margin model: the $30 bid less $5");

    const rotated = await h.admin("POST", "/v1/admin/sources/new-source/rotate-key");
    assert.notEqual(rotated.body.api_key, key);
    assert.equal(
      (await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping }, { key })).status,
      401,
    );
    const withNewKey = await h.call(
      "/v1/ping",
      { vertical: "personal_injury", lead: lead.ping },
      { key: rotated.body.api_key },
    );
    assert.equal(withNewKey.status, 200);
  });

  test("configuration that would break an auction is refused, with the field at fault", async () => {
    const cases: [string, unknown, string][] = [
      ["/v1/admin/campaigns/bad", { ...campaign(), buyer_id: "nobody" }, "buyer_id"],
      [
        "/v1/admin/campaigns/bad",
        { ...campaign(), filters: [{ field: "email", op: "eq", value: "x" }] },
        "filters[0].field",
      ],
      ["/v1/admin/campaigns/bad", { ...campaign(), pricing: { type: "realtime" }, ping: undefined }, "ping"],
      ["/v1/admin/campaigns/bad", { ...campaign(), post: { url: "ftp://x", timeout_ms: 100 } }, "post.url"],
      ["/v1/admin/settings", { default_tmax_ms: 5000, max_tmax_ms: 100 }, "default_tmax_ms"],
      ["/v1/admin/campaigns/other", { ...campaign(), id: "bad" }, "id"],
    ];
    for (const [path, body, field] of cases) {
      const reply = await h.admin("PUT", path, body);
      assert.equal(reply.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION");
      assert.equal(reply.body.error.field, field, JSON.stringify(reply.body));
    }
    assert.equal((await h.admin("GET", "/v1/admin/campaigns/bad")).status, 404, "nothing was saved");
  });

  test("the export is a configuration file: putting it back changes nothing", async () => {
    const exported = (await h.admin("GET", "/v1/admin/config")).body;
    assert.ok(exported.verticals.some((v: { id: string }) => v.id === "personal_injury"));
    for (const campaignEntry of exported.campaigns) {
      const reply = await h.admin("PUT", `/v1/admin/campaigns/${campaignEntry.id}`, campaignEntry);
      assert.equal(reply.status, 200);
    }
    assert.deepEqual((await h.admin("GET", "/v1/admin/config")).body.campaigns, exported.campaigns);
  });

  test("leads page newest first with limit and before; a bad limit is a 400", async () => {
    for (let i = 0; i < 3; i++) {
      await h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });
    }
    const first = await h.admin("GET", "/v1/admin/leads?limit=2");
    assert.equal(first.status, 200);
    assert.equal(first.body.leads.length, 2);
    const next = await h.admin("GET", `/v1/admin/leads?limit=2&before=${first.body.leads[1].id}`);
    assert.ok(next.body.leads.length >= 1);
    const ids = [...first.body.leads, ...next.body.leads].map((l: { id: string }) => l.id);
    assert.equal(new Set(ids).size, ids.length, "no lead on two pages");
    for (const limit of ["0", "501", "ten"]) {
      const reply = await h.admin("GET", `/v1/admin/leads?limit=${limit}`);
      assert.equal(reply.status, 400, limit);
      assert.equal(reply.body.error.field, "limit");
    }
  });

  function campaign() {
    return {
      buyer_id: "buyer",
      vertical: "personal_injury",
      name: "Bad",
      status: "active",
      filters: [],
      pricing: { type: "fixed", price: 10 },
      post: { url: "http://127.0.0.1:9/post", timeout_ms: 1000 },
    };
  }
});
