import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { JornayaClient } from "../../src/compliance/consent/jornaya-client.ts";
import { type FakeJornaya, startFakeJornaya } from "../../src/sim/fake-jornaya.ts";

const lead = { email: "ada@example.com", phone: "5125550100", referenceId: "lead-1" };

describe("Jornaya client against the fake service", () => {
  let fake: FakeJornaya;
  let client: JornayaClient;

  before(async () => {
    fake = await startFakeJornaya();
    client = new JornayaClient({
      accountCode: fake.accountCode,
      apiKey: fake.apiKey,
      campaignKey: "LPC-1",
      endpoint: fake.url,
      maxTokenAgeSeconds: 3600,
    });
  });
  after(async () => {
    await client.close();
    await fake.stop();
  });
  beforeEach(() => fake.setMode("ok"));

  test("an authentic token whose data matches is verified, with evidence", async () => {
    const token = fake.register({
      email: "ada@example.com",
      phone: "5125550100",
      createdAt: new Date(Date.now() - 120_000),
      pageUrl: "https://quotes.example.com/form?phone=5125550100",
    });
    const before = fake.requests().length;
    const check = await client.verify({ ...lead, leadId: token.toLowerCase() }, { timeoutMs: 1000 });
    assert.equal(check.provider, "jornaya");
    assert.equal(check.outcome, "verified");
    assert.equal(check.evidence?.["lead_id"], token);
    assert.equal(check.evidence?.["data_integrity"], true);
    assert.equal(check.evidence?.["page_url"], "https://quotes.example.com/form");
    assert.doesNotMatch(JSON.stringify(check.evidence), /ada@|5125550100/);

    const sent = fake.requests().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]?.body, {
      lac: fake.accountCode,
      lak: fake.apiKey,
      id: token,
      lpc: "LPC-1",
      email: "ada@example.com",
      phone: "5125550100",
      format: "json",
    });
    assert.equal(sent[0]?.path, "/Authenticate", "credentials travel in the body, not the query string");
  });

  test("a token older than the limit is expired", async () => {
    const token = fake.register({ email: "ada@example.com", createdAt: new Date(Date.now() - 2 * 3600_000) });
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "expired");
  });

  test("a token captured for another consumer is no_match", async () => {
    const token = fake.register({ email: "grace@example.com", phone: "2125550199" });
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "no_match");
  });

  test("a forged token is invalid", async () => {
    const token = fake.register({ email: "ada@example.com", authentic: false });
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "invalid");
  });

  test("an unknown token is not_found", async () => {
    const check = await client.verify(
      { ...lead, leadId: "00000000-0000-4000-8000-000000000000" },
      { timeoutMs: 1000 },
    );
    assert.equal(check.outcome, "not_found");
  });

  test("a malformed token is invalid and makes no call", async () => {
    const before = fake.requests().length;
    for (const leadId of ["", "abc", "00000000-0000-4000-8000-00000000000Z", "lac=x&lak=y"]) {
      const check = await client.verify({ ...lead, leadId }, { timeoutMs: 1000 });
      assert.equal(check.outcome, "invalid", leadId);
    }
    assert.equal(fake.requests().length, before);
  });

  test("a 500 is an error", async () => {
    const token = fake.register({ email: "ada@example.com" });
    fake.setMode("error500");
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 1000 });
    assert.equal(check.outcome, "error");
  });

  test("a hanging service is an error within the budget", async () => {
    const token = fake.register({ email: "ada@example.com" });
    fake.setMode("hang");
    const started = performance.now();
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 200 });
    const elapsed = performance.now() - started;
    assert.equal(check.outcome, "error");
    assert.ok(elapsed >= 190 && elapsed < 400, `took ${elapsed} ms`);
  });

  test("rejected credentials are an error", async () => {
    const token = fake.register({ email: "ada@example.com" });
    const wrong = new JornayaClient({ accountCode: fake.accountCode, apiKey: "wrong", endpoint: fake.url });
    try {
      const check = await wrong.verify({ ...lead, leadId: token }, { timeoutMs: 1000 });
      assert.equal(check.outcome, "error");
      assert.match(check.detail ?? "", /401/);
    } finally {
      await wrong.close();
    }
  });
});
