// Consent verification before the post, against a local fake TrustedForm service speaking the v4 shapes: a campaign
// that requires proof receives the lead only when the certificate verifies and matches the consumer; otherwise the
// trace says why and the lead falls back to the next bid. Runs on both backends.
// Backend-independent: the certificate check is the engine against a fake TrustedForm; the fallback and the lead
// written take the same store calls as every sale (test/store).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type FakeTrustedForm, startFakeTrustedForm } from "../../src/sim/fake-trustedform.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] consent verification`, () => {
  let trustedform: FakeTrustedForm;
  let h: Harness;
  const lead = personalInjuryLead();

  before(async () => {
    trustedform = await startFakeTrustedForm();
    // The strict buyer bids higher and requires TrustedForm; the relaxed one requires nothing.
    h = await startHarness([bidder("strict", 50), bidder("relaxed", 30)], (farm) => ({
      // A fixed payout: the relaxed bid still covers what was quoted, so a consent failure falls back to it.
      sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
      buyers: [
        { id: "strict", name: "strict", status: "active" },
        { id: "relaxed", name: "relaxed", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "strict", { consent_requirement: "trustedform" }),
        realtimeCampaign(farm, "relaxed"),
      ],
      consent_providers: {
        timeout_ms: 500,
        trustedform: { api_key: trustedform.apiKey, base_url: trustedform.url },
      },
    }));
  });

  after(async () => {
    await h.close();
    await trustedform.stop();
  });

  beforeEach(() => trustedform.setMode("ok"));

  /** Posts a direct lead with this certificate and returns the answer, its trace and who received a post. */
  async function postWithCertificate(certUrl: string | undefined) {
    await h.farm.clearRequests();
    const reply = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: certUrl ? { trustedform_cert_url: certUrl } : { jornaya_leadid: "not-checked-here" },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const { body } = await h.admin("GET", `/v1/admin/leads/${reply.body.lead_id}`);
    const posted = (await h.farm.requests()).filter((r) => r.kind === "post").map((r) => r.buyer);
    const strictPost = body.trace.find(
      (o: { phase: string; buyer_id: string }) => o.phase === "post" && o.buyer_id === "strict",
    );
    return { reply, lead: body.lead, strictPost, posted };
  }

  test("a certificate that verifies and matches: the strict buyer gets the lead; the evidence is kept", async () => {
    const id = trustedform.register({ email: "jordan.rivera@example.com", phone: "2125550147" });
    const { reply, lead: stored, strictPost, posted } = await postWithCertificate(trustedform.certUrl(id));
    assert.equal(reply.body.status, "sold");
    assert.equal(strictPost.outcome, "post_accepted");
    assert.deepEqual(posted, ["strict"]);
    const [check] = stored.consent.verification;
    assert.equal(check.provider, "trustedform");
    assert.equal(check.outcome, "verified");
    assert.equal(check.evidence.cert_id, id);
    const call = trustedform.requests().at(-1)!;
    assert.deepEqual((call.body as { match_lead: unknown }).match_lead, {
      email: "jordan.rivera@example.com",
      phone: "2125550147",
    });
  });

  const refusals: [string, () => string | undefined, RegExp][] = [
    [
      "an expired certificate",
      () =>
        trustedform.certUrl(
          trustedform.register({
            email: "jordan.rivera@example.com",
            createdAt: new Date(Date.now() - 100 * 86_400_000),
            expiresAt: new Date(Date.now() - 10 * 86_400_000),
          }),
        ),
      /consent_expired/,
    ],
    [
      "a certificate for another consumer",
      () =>
        trustedform.certUrl(trustedform.register({ email: "someone.else@example.com", phone: "3105550100" })),
      /consent_no_match/,
    ],
    ["an unknown certificate", () => trustedform.certUrl("ab".repeat(20)), /consent_not_found/],
    ["no certificate at all", () => undefined, /consent_missing/],
  ];
  for (const [what, certificate, reason] of refusals) {
    test(`${what}: not posted to the strict buyer, the trace says why, the relaxed one buys`, async () => {
      const { reply, strictPost, posted } = await postWithCertificate(certificate());
      assert.equal(strictPost.outcome, "consent_failed");
      assert.match(strictPost.detail, reason);
      assert.deepEqual(posted, ["relaxed"], "the strict buyer never received the lead");
      assert.equal(reply.body.status, "sold");
    });
  }

  test("the service down or hanging: unverifiable, never posted to the strict buyer, within the time budget", async () => {
    const id = trustedform.register({ email: "jordan.rivera@example.com" });
    for (const mode of ["error500", "hang"] as const) {
      trustedform.setMode(mode);
      const started = performance.now();
      const { strictPost, posted } = await postWithCertificate(trustedform.certUrl(id));
      assert.equal(strictPost.outcome, "consent_failed");
      assert.match(strictPost.detail, /consent_unverifiable/);
      assert.deepEqual(posted, ["relaxed"]);
      assert.ok(performance.now() - started < 2_500, `${mode}: ${performance.now() - started} ms`);
    }
  });
});

describe(`[${BACKEND}] TrustedForm Verify: one-to-one consent per buyer`, () => {
  let trustedform: FakeTrustedForm;
  let h: Harness;
  const lead = personalInjuryLead();

  before(async () => {
    trustedform = await startFakeTrustedForm();
    h = await startHarness([bidder("named", 50), bidder("relaxed", 30)], (farm) => ({
      sources: [testSource({ name: "Web Source 7", payout: { model: "fixed", amount: 20 } })],
      buyers: [
        { id: "named", name: "named", status: "active" },
        { id: "relaxed", name: "relaxed", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "named", {
          consent_requirement: "trustedform",
          trustedform_advertiser_name: "Acme Law LLP",
        }),
        realtimeCampaign(farm, "relaxed"),
      ],
      consent_providers: {
        timeout_ms: 500,
        trustedform: { api_key: trustedform.apiKey, base_url: trustedform.url },
      },
    }));
  });
  after(async () => {
    await h.close();
    await trustedform.stop();
  });

  async function sell(certUrl: string) {
    await h.farm.clearRequests();
    const reply = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: { trustedform_cert_url: certUrl },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const posted = (await h.farm.requests()).filter((r) => r.kind === "post").map((r) => r.buyer);
    const { body } = await h.admin("GET", `/v1/admin/leads/${reply.body.lead_id}`);
    return {
      posted,
      trace: body.trace as { phase: string; buyer_id: string; outcome: string; detail?: string }[],
    };
  }

  test("consent given to this buyer by name: it gets the lead; the source is the vendor, Insights not asked", async () => {
    const id = trustedform.register({ email: "jordan.rivera@example.com", oneToOneFor: ["Acme Law LLP"] });
    const { posted } = await sell(trustedform.certUrl(id));
    assert.deepEqual(posted, ["named"]);
    const body = trustedform.requests().at(-1)!.body as Record<string, { [key: string]: unknown }>;
    assert.deepEqual(body.verify, { advertiser_name: "Acme Law LLP" });
    assert.equal(body.retain?.vendor, "Web Source 7");
    assert.equal(body.insights, undefined);
  });

  test("consent given to someone else: the named buyer is skipped, the lead falls back", async () => {
    const id = trustedform.register({ email: "jordan.rivera@example.com", oneToOneFor: ["Other Firm PC"] });
    const { posted, trace } = await sell(trustedform.certUrl(id));
    assert.deepEqual(posted, ["relaxed"]);
    const named = trace.find((line) => line.phase === "post" && line.buyer_id === "named");
    assert.equal(named?.outcome, "consent_failed");
    assert.match(named?.detail ?? "", /consent_invalid/);
  });
});
