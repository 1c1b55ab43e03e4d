// The operator finds a consumer's leads by email or phone (GET /v1/admin/leads?contact=…), over real HTTP on both
// backends: written any way a person types it, filtered and ordered as the list is; a contact that is neither an
// email nor a US phone is a 400 naming the field.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  startHarness,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] admin lead search by contact`, () => {
  let h: Harness;
  const sent: Record<string, string> = {};

  before(async () => {
    h = await startHarness([bidder("alpha", 40)]);
    const consumers = [
      { name: "first", email: "casey@example.com", phone: "(415) 555-0100" },
      { name: "other", email: "someone@example.com", phone: "(415) 555-0199" },
      { name: "again", email: "CASEY@example.com", phone: "415.555.0177" },
    ];
    for (const consumer of consumers) {
      const lead = personalInjuryLead();
      const reply = await h.call("/v1/leads", {
        vertical: "personal_injury",
        lead: { ...lead.full, email: consumer.email, phone: consumer.phone },
        consent: lead.consent,
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      sent[consumer.name] = reply.body.lead_id;
    }
  });
  after(() => h?.close());

  const search = (query: string) => h.admin("GET", `/v1/admin/leads?${query}`);

  test("by email, however it is written: that consumer's leads, newest first", async () => {
    const found = await search(`contact=${encodeURIComponent(" Casey@Example.COM ")}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(
      found.body.leads.map((lead: { id: string }) => lead.id),
      [sent.again, sent.first],
    );
    assert.equal(found.body.next_before, undefined, "one answer, no paging");
    const oldestFirst = await search(`contact=casey%40example.com&sort=created_at&direction=asc`);
    assert.deepEqual(
      oldestFirst.body.leads.map((lead: { id: string }) => lead.id),
      [sent.first, sent.again],
    );
  });

  test("by phone, in any format; filters still apply", async () => {
    const found = await search(`contact=${encodeURIComponent("+1 415-555-0199")}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(
      found.body.leads.map((lead: { id: string }) => lead.id),
      [sent.other],
    );
    const unsoldOnly = await search(`contact=4155550199&status=unsold`);
    assert.deepEqual(unsoldOnly.body.leads, []);
  });

  test("a contact that is neither an email nor a phone is a 400 naming it", async () => {
    for (const contact of ["not-a-phone", "casey@", "12345"]) {
      const reply = await search(`contact=${encodeURIComponent(contact)}`);
      assert.equal(reply.status, 400, contact);
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION");
      assert.equal(reply.body.error.field, "contact");
    }
  });
});
