import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  type ConsentRequirement,
  type ConsentVerifiers,
  checkConsent,
  createConsentMemo,
} from "../../src/compliance/consent/consent-policy.ts";
import type { ConsentVerifier } from "../../src/compliance/consent/consent-verifier.ts";
import { JornayaClient } from "../../src/compliance/consent/jornaya-client.ts";
import { TrustedFormClient } from "../../src/compliance/consent/trustedform-client.ts";
import { type FakeTrustedForm, startFakeTrustedForm } from "../../src/sim/fake-trustedform.ts";
import { type JornayaService, startJornayaService } from "../peers/jornaya-service.ts";

const contacts = { email: "ada@example.com", phone: "5125550100", referenceId: "lead-1" };
const options = { timeoutMs: 500 };

describe("checkConsent over the fake services", () => {
  let trustedForm: FakeTrustedForm;
  let jornaya: JornayaService;
  let verifiers: ConsentVerifiers;
  let goodCert: string;
  let strangerCert: string;
  let goodToken: string;
  let strangerToken: string;

  before(async () => {
    [trustedForm, jornaya] = await Promise.all([startFakeTrustedForm(), startJornayaService()]);
    verifiers = {
      trustedform: new TrustedFormClient({ apiKey: trustedForm.apiKey, baseUrl: trustedForm.url }),
      jornaya: new JornayaClient({
        // TCPA Guardian: the call that also checks the lead's contact data (so a stranger's token is a no_match).
        api: "tcpa_guardian",
        accountCode: jornaya.accountCode,
        apiKey: jornaya.auditKey,
        endpoint: jornaya.singleQueryUrl,
      }),
    };
    goodCert = trustedForm.certUrl(trustedForm.register({ email: contacts.email }));
    strangerCert = trustedForm.certUrl(trustedForm.register({ email: "grace@example.com" }));
    goodToken = jornaya.issue({ phone: contacts.phone });
    strangerToken = jornaya.issue({ phone: "2125550199" });
  });
  after(async () => {
    await Promise.all([verifiers.trustedform?.close?.(), verifiers.jornaya?.close?.()]);
    await Promise.all([trustedForm.stop(), jornaya.stop()]);
  });
  beforeEach(() => {
    trustedForm.setMode("ok");
    jornaya.setMode("ok");
  });

  const calls = () => trustedForm.requests().length + jornaya.received().length;

  test("none passes without calling anyone, tokens or not", async () => {
    const before = calls();
    for (const consent of [undefined, {}, { trustedform_cert_url: strangerCert }]) {
      assert.deepEqual(await checkConsent("none", consent, contacts, verifiers, options), {
        ok: true,
        checks: [],
      });
    }
    assert.equal(calls(), before);
  });

  const cases: {
    requirement: ConsentRequirement;
    consent: () => Record<string, string>;
    ok: boolean;
    reason?: string;
    providers: string[];
  }[] = [
    {
      requirement: "trustedform",
      consent: () => ({ trustedform_cert_url: goodCert }),
      ok: true,
      providers: ["trustedform"],
    },
    {
      requirement: "trustedform",
      consent: () => ({ trustedform_cert_url: strangerCert }),
      ok: false,
      reason: "consent_no_match",
      providers: ["trustedform"],
    },
    {
      requirement: "trustedform",
      consent: () => ({ jornaya_leadid: goodToken }),
      ok: false,
      reason: "consent_missing",
      providers: [],
    },
    {
      requirement: "trustedform",
      consent: () => ({ trustedform_cert_url: "https://cert.trustedform.com/nope" }),
      ok: false,
      reason: "consent_invalid",
      providers: ["trustedform"],
    },
    {
      requirement: "trustedform",
      consent: () => ({ trustedform_cert_url: trustedForm.certUrl("d".repeat(40)) }),
      ok: false,
      reason: "consent_not_found",
      providers: ["trustedform"],
    },
    {
      requirement: "jornaya",
      consent: () => ({ jornaya_leadid: goodToken }),
      ok: true,
      providers: ["jornaya"],
    },
    {
      requirement: "jornaya",
      consent: () => ({ jornaya_leadid: strangerToken, trustedform_cert_url: goodCert }),
      ok: false,
      reason: "consent_no_match",
      providers: ["jornaya"],
    },
    { requirement: "jornaya", consent: () => ({}), ok: false, reason: "consent_missing", providers: [] },
    {
      requirement: "either",
      consent: () => ({ trustedform_cert_url: strangerCert, jornaya_leadid: goodToken }),
      ok: true,
      providers: ["trustedform", "jornaya"],
    },
    {
      requirement: "either",
      consent: () => ({ trustedform_cert_url: goodCert, jornaya_leadid: strangerToken }),
      ok: true,
      providers: ["trustedform", "jornaya"],
    },
    {
      requirement: "either",
      consent: () => ({ trustedform_cert_url: strangerCert }),
      ok: false,
      reason: "consent_no_match",
      providers: ["trustedform"],
    },
    {
      requirement: "either",
      consent: () => ({ jornaya_leadid: goodToken }),
      ok: true,
      providers: ["jornaya"],
    },
    { requirement: "either", consent: () => ({}), ok: false, reason: "consent_missing", providers: [] },
  ];
  for (const { requirement, consent, ok, reason, providers } of cases) {
    test(`${requirement} with ${providers.join("+") || "no token"} → ${reason ?? "ok"}`, async () => {
      const decision = await checkConsent(requirement, consent(), contacts, verifiers, options);
      assert.equal(decision.ok, ok);
      assert.equal(decision.reason, reason);
      assert.deepEqual(
        decision.checks.map((check) => check.provider),
        providers,
      );
    });
  }

  test("either: one provider down, the other verified → ok", async () => {
    trustedForm.setMode("error500");
    const decision = await checkConsent(
      "either",
      { trustedform_cert_url: goodCert, jornaya_leadid: goodToken },
      contacts,
      verifiers,
      options,
    );
    assert.equal(decision.ok, true);
    assert.deepEqual(
      decision.checks.map((check) => check.outcome),
      ["error", "verified"],
    );
  });

  test("either: one down and the other a definite no → the definite reason", async () => {
    trustedForm.setMode("error500");
    const decision = await checkConsent(
      "either",
      { trustedform_cert_url: goodCert, jornaya_leadid: strangerToken },
      contacts,
      verifiers,
      options,
    );
    assert.equal(decision.reason, "consent_no_match");
  });

  test("a required provider that hangs → unverifiable within the budget", async () => {
    trustedForm.setMode("hang");
    const started = performance.now();
    const decision = await checkConsent(
      "trustedform",
      { trustedform_cert_url: goodCert },
      contacts,
      verifiers,
      {
        timeoutMs: 150,
      },
    );
    assert.equal(decision.ok, false);
    assert.equal(decision.reason, "consent_unverifiable");
    assert.ok(performance.now() - started < 350);
  });

  test("both tokens are verified in parallel", async () => {
    trustedForm.setMode("hang");
    jornaya.setMode("hang");
    const started = performance.now();
    const decision = await checkConsent(
      "either",
      { trustedform_cert_url: goodCert, jornaya_leadid: goodToken },
      contacts,
      verifiers,
      { timeoutMs: 150 },
    );
    assert.equal(decision.reason, "consent_unverifiable");
    assert.ok(performance.now() - started < 280, "two sequential timeouts would take 300 ms");
  });

  test("an expired certificate → consent_expired", async () => {
    const expired = trustedForm.certUrl(
      trustedForm.register({
        email: contacts.email,
        createdAt: new Date(Date.now() - 100 * 86_400_000),
        expiresAt: new Date(Date.now() - 86_400_000),
      }),
    );
    const decision = await checkConsent(
      "trustedform",
      { trustedform_cert_url: expired },
      contacts,
      verifiers,
      options,
    );
    assert.equal(decision.reason, "consent_expired");
  });

  test("a required provider with no verifier configured → unverifiable", async () => {
    const decision = await checkConsent("jornaya", { jornaya_leadid: goodToken }, contacts, {}, options);
    assert.equal(decision.reason, "consent_unverifiable");
    assert.match(decision.checks[0]?.detail ?? "", /no jornaya verifier/);
  });

  test("a verifier that throws → unverifiable, not an exception", async () => {
    const broken: ConsentVerifier = {
      provider: "trustedform",
      verify: () => Promise.reject(new Error("bug")),
    };
    const decision = await checkConsent(
      "trustedform",
      { trustedform_cert_url: goodCert },
      contacts,
      { trustedform: broken },
      options,
    );
    assert.equal(decision.reason, "consent_unverifiable");
  });

  test("the memo verifies each token once for a post tried on several campaigns", async () => {
    const memo = createConsentMemo();
    const tfBefore = trustedForm.requests().length;
    const jBefore = jornaya.received().length;
    const consent = { trustedform_cert_url: goodCert, jornaya_leadid: goodToken };
    // Fallback through four campaigns, two of them asked at the same moment.
    const requirements: ConsentRequirement[] = ["trustedform", "either", "jornaya", "either"];
    const first = await checkConsent(requirements[0]!, consent, contacts, verifiers, { ...options, memo });
    const concurrent = await Promise.all(
      requirements
        .slice(1)
        .map((requirement) => checkConsent(requirement, consent, contacts, verifiers, { ...options, memo })),
    );
    for (const decision of [first, ...concurrent]) assert.equal(decision.ok, true);
    assert.equal(trustedForm.requests().length - tfBefore, 1);
    assert.equal(jornaya.received().length - jBefore, 1);
    assert.equal(memo.size, 2);
    // The same evidence object reaches every campaign's trace.
    assert.equal(first.checks[0], concurrent[0]?.checks[0]);
  });

  test("without a memo each call verifies again", async () => {
    const before = trustedForm.requests().length;
    await checkConsent("trustedform", { trustedform_cert_url: goodCert }, contacts, verifiers, options);
    await checkConsent("trustedform", { trustedform_cert_url: goodCert }, contacts, verifiers, options);
    assert.equal(trustedForm.requests().length - before, 2);
  });
});
