import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { TrustedFormClient } from "../../src/compliance/consent/trustedform-client.ts";
import { type FakeTrustedForm, startFakeTrustedForm } from "../../src/sim/fake-trustedform.ts";

const DAY = 24 * 3600 * 1000;
const lead = { email: "Ada@Example.com ", phone: "(512) 555-0100", referenceId: "lead-1" };

describe("TrustedForm client against the fake service", () => {
  let fake: FakeTrustedForm;
  let client: TrustedFormClient;

  before(async () => {
    fake = await startFakeTrustedForm();
    client = new TrustedFormClient({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      vendor: "Acme Leads",
      // Insights is billed separately and asked only when configured; this client asks for the evidence it gives.
      insightsProperties: ["created_at", "page_url", "ip", "is_masked"],
    });
  });
  after(async () => {
    await client.close();
    await fake.stop();
  });
  beforeEach(() => fake.setMode("ok"));

  test("a matching certificate is retained and verified, with evidence and no contact details", async () => {
    const createdAt = new Date(Date.now() - 60_000);
    const id = fake.register({
      email: "ada@example.com",
      phone: "5125550100",
      createdAt,
      pageUrl: "https://quotes.example.com/auto?email=ada%40example.com",
      ip: "203.0.113.7",
    });
    const before = fake.requests().length;
    const check = await client.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });

    assert.equal(check.provider, "trustedform");
    assert.equal(check.outcome, "verified");
    assert.equal(check.evidence?.["cert_id"], id);
    assert.equal(check.evidence?.["created_at"], createdAt.toISOString());
    assert.equal(typeof check.evidence?.["expires_at"], "string");
    assert.equal(check.evidence?.["page_url"], "https://quotes.example.com/auto");
    assert.equal(check.evidence?.["ip"], "203.0.113.7");
    assert.equal(check.evidence?.["previously_retained"], false);
    // The whole address, not "ada": a random 40-hex certificate id may well contain "ada".
    assert.doesNotMatch(JSON.stringify(check.evidence), /ada@example\.com|ada%40example|5125550100/i);
    assert.ok(check.latencyMs > 0);

    const sent = fake.requests().slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.path, `/${id}`);
    assert.equal(sent[0]?.headers["api-version"], "4.0");
    assert.equal(
      sent[0]?.headers["authorization"],
      `Basic ${Buffer.from(`API:${fake.apiKey}`).toString("base64")}`,
    );
    assert.deepEqual(sent[0]?.body, {
      match_lead: { email: "ada@example.com", phone: "5125550100" },
      retain: { reference: "lead-1", vendor: "Acme Leads" },
      insights: { properties: ["created_at", "page_url", "ip", "is_masked"] },
    });
  });

  test("by default no Insights is asked; the lead's source is the retain vendor; Verify asks about the buyer", async () => {
    const plain = new TrustedFormClient({ apiKey: fake.apiKey, baseUrl: fake.url, vendor: "Fallback Co" });
    try {
      const id = fake.register({ email: "ada@example.com", oneToOneFor: ["Acme Insurance Inc"] });
      const before = fake.requests().length;
      const verified = await plain.verify(
        { ...lead, certUrl: fake.certUrl(id), vendor: "Web Source 7", advertiserName: "acme  insurance inc" },
        { timeoutMs: 1000 },
      );
      assert.equal(verified.outcome, "verified", verified.detail);
      assert.equal(verified.evidence?.["one_to_one"], true);
      assert.deepEqual(fake.requests().slice(before)[0]?.body, {
        match_lead: { email: "ada@example.com", phone: "5125550100" },
        retain: { reference: "lead-1", vendor: "Web Source 7" },
        verify: { advertiser_name: "acme  insurance inc" },
      });
      const otherBuyer = await plain.verify(
        { ...lead, certUrl: fake.certUrl(id), advertiserName: "Other Law Firm LLC" },
        { timeoutMs: 1000 },
      );
      assert.equal(otherBuyer.outcome, "invalid");
      assert.match(otherBuyer.detail ?? "", /no one-to-one consent for Other Law Firm LLC/);
      const withoutVerify = await plain.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });
      assert.equal(withoutVerify.outcome, "verified");
      assert.equal(
        (fake.requests().at(-1)!.body as { retain: { vendor: string } }).retain.vendor,
        "Fallback Co",
        "the configured vendor stands in when the source is unknown",
      );
    } finally {
      await plain.close();
    }
  });

  test("a production certificate URL is checked on the configured service, never on the host the lead names", async () => {
    const id = fake.register({ email: "ada@example.com" });
    const check = await client.verify(
      { ...lead, certUrl: `https://cert.trustedform.com/${id}` },
      { timeoutMs: 1000 },
    );
    assert.equal(check.outcome, "verified");
  });

  test("an expired certificate is expired", async () => {
    const id = fake.register({
      email: "ada@example.com",
      createdAt: new Date(Date.now() - 100 * DAY),
      expiresAt: new Date(Date.now() - 10 * DAY),
    });
    const check = await client.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "expired");
    assert.equal(check.detail, "The cert has expired");
  });

  test("a certificate recording another consumer is no_match", async () => {
    const id = fake.register({ email: "grace@example.com", phone: "2125550199" });
    const check = await client.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "no_match");
    assert.equal(check.detail, "No matches found");
  });

  test("a lead with neither email nor phone cannot be matched and makes no call", async () => {
    const id = fake.register({ email: "ada@example.com" });
    const before = fake.requests().length;
    const check = await client.verify(
      { referenceId: "lead-2", certUrl: fake.certUrl(id) },
      { timeoutMs: 1000 },
    );
    assert.equal(check.outcome, "no_match");
    assert.equal(fake.requests().length, before);
  });

  test("an unknown certificate is not_found", async () => {
    const check = await client.verify(
      { ...lead, certUrl: fake.certUrl("a".repeat(40)) },
      { timeoutMs: 1000 },
    );
    assert.equal(check.outcome, "not_found");
  });

  test("malformed certificate URLs are invalid and make no call", async () => {
    const before = fake.requests().length;
    for (const certUrl of [
      "not a url",
      "https://cert.trustedform.com/xyz",
      `https://cert.trustedform.com/${"a".repeat(39)}`,
      `http://cert.trustedform.com/${"a".repeat(40)}`,
      `https://evil.example.com/${"a".repeat(40)}`,
      `https://ping.trustedform.com/${"a".repeat(40)}`,
      "",
    ]) {
      const check = await client.verify({ ...lead, certUrl }, { timeoutMs: 1000 });
      assert.equal(check.outcome, "invalid", certUrl);
      assert.equal(check.latencyMs < 50, true);
    }
    assert.equal(fake.requests().length, before);
  });

  test("a 500 is an error", async () => {
    const id = fake.register({ email: "ada@example.com" });
    fake.setMode("error500");
    const check = await client.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "error");
    assert.match(check.detail ?? "", /500/);
  });

  test("a hanging service is an error within the budget", async () => {
    const id = fake.register({ email: "ada@example.com" });
    fake.setMode("hang");
    const started = performance.now();
    const check = await client.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 200 });
    const elapsed = performance.now() - started;
    assert.equal(check.outcome, "error");
    assert.match(check.detail ?? "", /no answer within 200 ms/);
    assert.ok(elapsed >= 190 && elapsed < 400, `took ${elapsed} ms`);
  });

  test("rejected credentials are an error, not a verdict on the lead", async () => {
    const id = fake.register({ email: "ada@example.com" });
    const wrongKey = new TrustedFormClient({ apiKey: "wrong", baseUrl: fake.url });
    try {
      const check = await wrongKey.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });
      assert.equal(check.outcome, "error");
      assert.match(check.detail ?? "", /credentials rejected \(401\)/);
    } finally {
      await wrongKey.close();
    }
  });

  test("an answer over the size cap is an error", async () => {
    const id = fake.register({ email: "ada@example.com" });
    const small = new TrustedFormClient({ apiKey: fake.apiKey, baseUrl: fake.url, maxResponseBytes: 64 });
    try {
      const check = await small.verify({ ...lead, certUrl: fake.certUrl(id) }, { timeoutMs: 1000 });
      assert.equal(check.outcome, "error");
    } finally {
      await small.close();
    }
  });

  test("garbage in a 200 is an error", async () => {
    const server = createServer((_req, res) => res.end("<html>maintenance</html>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const garbage = new TrustedFormClient({ apiKey: "k", baseUrl: `http://127.0.0.1:${port}` });
    try {
      const check = await garbage.verify(
        { ...lead, certUrl: `http://127.0.0.1:${port}/${"c".repeat(40)}` },
        { timeoutMs: 1000 },
      );
      assert.equal(check.outcome, "error");
      assert.match(check.detail ?? "", /unreadable/);
    } finally {
      await garbage.close();
      server.closeAllConnections();
      server.close();
    }
  });

  test("an unreachable service is an error", async () => {
    const down = new TrustedFormClient({ apiKey: "k", baseUrl: "http://127.0.0.1:1" });
    try {
      const check = await down.verify(
        { ...lead, certUrl: `https://cert.trustedform.com/${"b".repeat(40)}` },
        { timeoutMs: 1000 },
      );
      assert.equal(check.outcome, "error");
    } finally {
      await down.close();
    }
  });
});
