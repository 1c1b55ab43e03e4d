// What the console's second pass reads from the exchange, over real HTTP on either backend: the per-source count of
// refused keys (a source still sending a rotated key), the buyer's whole purchase list as one streamed CSV, and a
// buyer's cap usage with whether it is capped.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  SOURCE_KEY,
  startHarness,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] console extras: refused keys, the buyer CSV, cap usage`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness([bidder("buyer", 30)]);
  });
  after(async () => {
    await h.close();
  });

  const adminGet = async (path: string) => {
    const response = await fetch(`${h.gavel.url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
    return { status: response.status, body: (await response.json()) as any };
  };

  test("a source sending its rotated key is counted against it; an unknown key as unknown", async () => {
    const created = await h.admin("PUT", "/v1/admin/sources/rotating", {
      name: "Rotating source",
      status: "live",
      payout: { model: "margin", amount: 5 },
    });
    const oldKey = created.body.api_key as string;
    const lead = personalInjuryLead();
    assert.equal(
      (await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping }, { key: oldKey })).status,
      200,
    );
    await h.admin("POST", "/v1/admin/sources/rotating/rotate-key");
    for (let i = 0; i < 4; i++) {
      const refused = await h.call(
        "/v1/ping",
        { vertical: "personal_injury", lead: lead.ping },
        { key: oldKey },
      );
      assert.equal(refused.status, 401);
    }
    // The compatible inbound endpoints take the key in the body; a refused one counts the same.
    const inbound = await fetch(`${h.gavel.url}/new_api/api.php`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        Key: oldKey,
        API_Action: "pingPostLead",
        Mode: "ping",
        TYPE: "personal_injury",
      }),
    });
    assert.match(await inbound.text(), /GAVEL_UNAUTHORIZED/);
    assert.equal((await h.call("/v1/ping", {}, { key: "never-a-key" })).status, 401);
    const report = await adminGet("/v1/admin/sources/auth-failures");
    assert.equal(report.status, 200);
    assert.equal(report.body.window_minutes, 60);
    assert.deepEqual(
      report.body.sources.map((s: { source_id: string; failures: number }) => [s.source_id, s.failures]),
      [["rotating", 5]],
    );
    assert.ok(report.body.unknown.failures >= 1);
    assert.equal((await fetch(`${h.gavel.url}/v1/admin/sources/auth-failures`)).status, 401, "admin only");
  });

  test("the buyer's CSV holds every lead it bought, streamed; from narrows it; a bad time names its field", async () => {
    const { body } = await h.admin("POST", "/v1/admin/buyers/buyer/rotate-key");
    const buyerKey = body.api_key as string;
    const sold: string[] = [];
    for (let i = 0; i < 60; i++) {
      const lead = personalInjuryLead();
      const answer = await h.call("/v1/leads", {
        vertical: "personal_injury",
        lead: { ...lead.full, email: `csv${i}@example.com`, phone: `(212) 555-${String(2000 + i)}` },
        consent: lead.consent,
      });
      if (answer.body.status === "sold") sold.push(answer.body.lead_id);
    }
    assert.ok(sold.length > 50, `most sold: ${sold.length}`);
    const csv = await fetch(`${h.gavel.url}/v1/buyer/leads.csv`, {
      headers: { authorization: `Bearer ${buyerKey}` },
    });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    assert.match(csv.headers.get("content-disposition") ?? "", /attachment/);
    const lines = (await csv.text()).trimEnd().split("\r\n");
    assert.match(lines[0]!, /^"lead_id","sold_at","vertical","campaign_id","price","test","/);
    for (const id of sold)
      assert.ok(
        lines.some((line) => line.startsWith(`"${id}",`)),
        `lead ${id} in the CSV`,
      );
    assert.ok(
      lines.some((line) => line.includes('"csv7@example.com"')),
      "the lead's fields, with its PII",
    );
    const future = await fetch(`${h.gavel.url}/v1/buyer/leads.csv?from=2999-01-01T00:00:00Z`, {
      headers: { authorization: `Bearer ${buyerKey}` },
    });
    assert.equal((await future.text()).trimEnd().split("\r\n").length, 1, "the header only");
    const bad = await fetch(`${h.gavel.url}/v1/buyer/leads.csv?from=yesterday`, {
      headers: { authorization: `Bearer ${buyerKey}` },
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { field: string } }).error.field, "from");
    assert.equal((await fetch(`${h.gavel.url}/v1/buyer/leads.csv`)).status, 401);
    const asSource = await fetch(`${h.gavel.url}/v1/buyer/leads.csv`, {
      headers: { authorization: `Bearer ${SOURCE_KEY}` },
    });
    assert.equal(asSource.status, 401, "a source's key is not a buyer's");
  });

  test("a buyer whose cap is reached answers capped", async () => {
    const before = await adminGet("/v1/admin/buyers/buyer/caps");
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.capped, false);
    const buyer = (await adminGet("/v1/admin/buyers/buyer")).body;
    await h.admin("PUT", "/v1/admin/buyers/buyer", { ...buyer, caps: { leads: { day: 1 } } });
    // The cap counts the sales made under it: one lead fills it.
    const lead = personalInjuryLead();
    const answer = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: { ...lead.full, email: "capped@example.com", phone: "(212) 555-3999" },
      consent: lead.consent,
    });
    assert.equal(answer.body.status, "sold", JSON.stringify(answer.body));
    const after = await adminGet("/v1/admin/buyers/buyer/caps");
    assert.equal(after.body.capped, true, JSON.stringify(after.body));
    assert.equal(after.body.caps[0].period, "day");
    assert.ok(after.body.caps[0].leads >= 1);
    assert.equal((await adminGet("/v1/admin/buyers/nobody/caps")).status, 404);
  });
});
