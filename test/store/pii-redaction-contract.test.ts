// Blanking PII (retention purge and erasure, docs/privacy.md) over every Store implementation: what is blanked, what is
// kept (hashes, non-PII fields, money, trace), free text scrubbed, deliveries cancelled, batches and idempotence; and
// on PostgreSQL, two instances purging at once never take the same lead.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hashContact } from "../../src/compliance/suppression/suppression-hash.ts";
import type { LeadRecord, OutboxItem, PiiRedaction } from "../../src/domain/records.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead, T0, unsoldLead } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const PII = { first_name: "Dolores", email: "dolores.haze@example.com", phone: "2125550147" };
const DAY = 86_400_000;

/** Keeps `state` (the test vertical's only non-PII field) and the TrustedForm certificate. */
const redact: PiiRedaction = (lead) => ({
  lead: lead.lead.state === undefined ? {} : { state: lead.lead.state },
  consent: lead.consent.trustedform_cert_url
    ? { trustedform_cert_url: lead.consent.trustedform_cert_url }
    : {},
});

const withPii = (lead: LeadRecord): LeadRecord => ({
  ...lead,
  lead: { ...PII, state: "CA" },
  consent: { trustedform_cert_url: "https://cert.trustedform.com/abc", ip_address: "203.0.113.9" },
});

const delivery = (id: string, leadId: string, status: OutboxItem["status"]): OutboxItem => ({
  id,
  kind: "webhook",
  owner_id: "camp-a",
  url: "https://buyer.example/leads",
  body: { event: "lead.delivered", lead_id: leadId },
  timeout_ms: 5000,
  status,
  attempts: 0,
  run_at: T0,
  created_at: T0,
});

for (const impl of STORES) {
  describe(`${impl.name}: blanking PII`, () => {
    let store: Store;
    const { reopen } = freshStoreEach(impl, (fresh) => {
      store = fresh;
    });

    test("a purge blanks the PII of the selection only, keeps hashes, money and trace, scrubs echoes", async () => {
      const old = withPii(soldLead("old-sold", { created_at: T0 - 100 * DAY }));
      await store.saveLead(old, [
        {
          auction_id: old.auction_id,
          phase: "post",
          campaign_id: "camp-a",
          buyer_id: "buyer-a",
          reason: "post_rejected",
          detail: `duplicate: ${PII.email} already bought`,
          at: old.created_at,
        },
      ]);
      await store.saveLead(withPii(soldLead("new-sold", { created_at: T0 })), []);
      await store.saveLead(withPii(unsoldLead("old-unsold", { created_at: T0 - 100 * DAY })), []);
      await store.saveLead(
        withPii(soldLead("other-vertical", { vertical: "auto", created_at: T0 - 100 * DAY })),
        [],
      );

      const selection = {
        vertical: "personal_injury",
        status: "sold" as const,
        created_before: T0 - 90 * DAY,
        limit: 10,
      };
      assert.equal(await store.purgeExpiredPii(selection, redact, T0 + 5), 1);

      const purged = await store.getLead("old-sold");
      assert.deepEqual(purged?.lead, { state: "CA" });
      assert.deepEqual(purged?.consent, { trustedform_cert_url: "https://cert.trustedform.com/abc" });
      assert.equal(purged?.pii_purged_at, T0 + 5);
      assert.equal(purged?.price_cents, old.price_cents);
      assert.equal(purged?.buyer_price_cents, old.buyer_price_cents);
      const [outcome] = await store.getOutcomes(old.auction_id);
      assert.equal(outcome?.detail, "duplicate: [erased] already bought");
      // Still found by the consumer's hashes (an erasure request later finds it).
      const found = await store.leadsOfContact(hashContact("email", PII.email)!, 10);
      assert.ok(found.some((lead) => lead.id === "old-sold"));
      for (const id of ["new-sold", "old-unsold", "other-vertical"]) {
        const kept = await store.getLead(id);
        assert.equal(kept?.lead.email, PII.email, id);
        assert.equal(kept?.pii_purged_at, undefined, id);
      }
      // Done: the same selection again finds nothing.
      assert.equal(await store.purgeExpiredPii(selection, redact, T0 + 6), 0);
      assert.equal((await store.getLead("old-sold"))?.pii_purged_at, T0 + 5);
    });

    test("a purge takes at most its limit, oldest first", async () => {
      for (let i = 0; i < 5; i++) {
        await store.saveLead(
          withPii(unsoldLead(`u-${i}`, { auction_id: `a-u-${i}`, created_at: T0 - 50 * DAY + i })),
          [],
        );
      }
      const selection = {
        vertical: "personal_injury",
        status: "unsold" as const,
        created_before: T0,
        limit: 2,
      };
      assert.equal(await store.purgeExpiredPii(selection, redact, T0), 2);
      assert.ok((await store.getLead("u-0"))?.pii_purged_at);
      assert.ok((await store.getLead("u-1"))?.pii_purged_at);
      assert.equal((await store.getLead("u-2"))?.pii_purged_at, undefined);
      assert.equal(await store.purgeExpiredPii(selection, redact, T0), 2);
      assert.equal(await store.purgeExpiredPii(selection, redact, T0), 1);
      assert.equal(await store.purgeExpiredPii(selection, redact, T0), 0);
    });

    test("an erasure blanks the leads, cancels their pending deliveries only, and is idempotent", async () => {
      const lead = withPii(soldLead("l-1"));
      await store.saveLead(
        lead,
        [],
        [delivery("d-pending", "l-1", "pending"), delivery("d-done", "l-1", "done")],
      );
      await store.saveLead(
        withPii(soldLead("l-2", { auction_id: "a-l-2" })),
        [],
        [delivery("d-other", "l-2", "pending")],
      );
      assert.deepEqual(await store.erasePii(["l-1", "missing"], redact, T0 + 1), {
        leads: 1,
        deliveries_cancelled: 1,
      });
      assert.deepEqual((await store.getLead("l-1"))?.lead, { state: "CA" });
      const outbox = new Map((await store.listOutbox({ limit: 10 })).map((item) => [item.id, item]));
      assert.equal(outbox.get("d-pending")?.status, "dead");
      assert.match(outbox.get("d-pending")?.last_error ?? "", /erased on request/);
      assert.equal(outbox.get("d-done")?.status, "done");
      assert.equal(outbox.get("d-other")?.status, "pending");
      assert.equal((await store.getLead("l-2"))?.lead.email, PII.email);
      assert.deepEqual(await store.erasePii(["l-1"], redact, T0 + 2), { leads: 0, deliveries_cancelled: 0 });
      assert.equal((await store.getLead("l-1"))?.pii_purged_at, T0 + 1);
    });

    test("privacy requests are recorded, newest first", async () => {
      const contacts = [hashContact("email", PII.email)!];
      const base = {
        kind: "erasure" as const,
        contacts,
        leads_found: 2,
        leads_erased: 2,
        deliveries_cancelled: 0,
      };
      await store.recordPrivacyRequest({ ...base, id: "r-1", suppressions_added: 1, created_at: T0 });
      await store.recordPrivacyRequest({ ...base, id: "r-2", suppressions_added: 0, created_at: T0 + 1 });
      const listed = await store.listPrivacyRequests(10);
      assert.deepEqual(
        listed.map((request) => request.id),
        ["r-2", "r-1"],
      );
      assert.deepEqual(listed[1], { ...base, id: "r-1", suppressions_added: 1, created_at: T0 });
    });

    test("two instances purging at once blank each lead once, and every one of them (20 rounds)", async () => {
      const other = await reopen();
      for (let round = 0; round < 20; round++) {
        const vertical = `v-${round}`;
        for (let i = 0; i < 12; i++) {
          const id = `r${round}-${i}`;
          await store.saveLead(
            withPii(unsoldLead(id, { auction_id: `a-${id}`, vertical, created_at: T0 + i })),
            [],
          );
        }
        const selection = { vertical, status: "unsold" as const, created_before: T0 + DAY, limit: 3 };
        const purgeAll = async (instance: Store) => {
          let total = 0;
          for (;;) {
            const batch = await instance.purgeExpiredPii(selection, redact, T0 + DAY);
            total += batch;
            if (batch === 0) return total;
          }
        };
        const [a, b] = await Promise.all([purgeAll(store), purgeAll(other)]);
        assert.equal(a + b, 12, `round ${round}`);
        for (let i = 0; i < 12; i++) assert.ok((await store.getLead(`r${round}-${i}`))?.pii_purged_at);
      }
    });
  });
}
