// Our Jornaya client against a Jornaya written from Jornaya's documentation (./jornaya-service.ts): the documented
// call (GET /Authenticate with lac and id, answered `authenticate.authentic`) verifies an authentic token and fails an
// inauthentic one; TCPA Guardian's SingleQuery carries the contact data in `data`.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { JornayaClient } from "../../src/compliance/consent/jornaya-client.ts";
import { type JornayaService, startJornayaService } from "./jornaya-service.ts";
import { pathOf, queryOf } from "./peer-server.ts";

const lead = { email: "Ada@Example.com", phone: "(512) 555-0100", referenceId: "lead-1" };

describe("Jornaya Authentication API (the documented default)", () => {
  let jornaya: JornayaService;
  let client: JornayaClient;

  before(async () => {
    jornaya = await startJornayaService({ maxQueriesPerToken: 3 });
    client = new JornayaClient({ accountCode: jornaya.accountCode, endpoint: jornaya.authenticateUrl });
  });
  after(async () => {
    await client.close();
    await jornaya.stop();
  });
  beforeEach(() => jornaya.setMode("ok"));

  test("an authentic token is verified, by a GET carrying lac and id and nothing personal", async () => {
    const token = jornaya.issue({ email: "ada@example.com" });
    const before = jornaya.received().length;
    const check = await client.verify({ ...lead, leadId: token.toLowerCase() }, { timeoutMs: 2000 });
    assert.equal(check.outcome, "verified", check.detail);
    assert.deepEqual(check.evidence, { lead_id: token, authentic: true });
    const [sent] = jornaya.received().slice(before);
    assert.equal(sent?.method, "GET");
    assert.equal(pathOf(sent!), "/Authenticate");
    assert.deepEqual(Object.fromEntries(queryOf(sent!)), { lac: jornaya.accountCode, id: token });
    assert.equal(sent?.body, "");
  });

  test("a token Jornaya did not create is not authentic: consent fails", async () => {
    const check = await client.verify({ ...lead, leadId: randomUUID() }, { timeoutMs: 2000 });
    assert.equal(check.outcome, "invalid");
    assert.match(check.detail ?? "", /not authentic/);
  });

  test("a token queried too many times is not authentic", async () => {
    const token = jornaya.issue();
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++)
      outcomes.push((await client.verify({ ...lead, leadId: token }, { timeoutMs: 2000 })).outcome);
    assert.deepEqual(outcomes, ["verified", "verified", "verified", "invalid"]);
  });

  test("a malformed token is invalid and makes no call", async () => {
    const before = jornaya.received().length;
    for (const leadId of ["", "abc", "00000000-0000-4000-8000-00000000000Z", "lac=x&id=y"]) {
      assert.equal(
        (await client.verify({ ...lead, leadId }, { timeoutMs: 1000 })).outcome,
        "invalid",
        leadId,
      );
    }
    assert.equal(jornaya.received().length, before);
  });

  test("a wrong account code, a 500 and a hang are errors, never a verdict", async () => {
    const token = jornaya.issue();
    const wrong = new JornayaClient({ accountCode: "WRONG", endpoint: jornaya.authenticateUrl });
    try {
      assert.equal((await wrong.verify({ ...lead, leadId: token }, { timeoutMs: 2000 })).outcome, "error");
    } finally {
      await wrong.close();
    }
    jornaya.setMode("error500");
    assert.equal((await client.verify({ ...lead, leadId: token }, { timeoutMs: 2000 })).outcome, "error");
    jornaya.setMode("hang");
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 200 });
    assert.equal(check.outcome, "error");
    assert.match(check.detail ?? "", /no answer within 200 ms/);
  });
});

describe("Jornaya TCPA Guardian SingleQuery", () => {
  let jornaya: JornayaService;
  let client: JornayaClient;

  before(async () => {
    jornaya = await startJornayaService();
    client = new JornayaClient({
      api: "tcpa_guardian",
      accountCode: jornaya.accountCode,
      apiKey: jornaya.auditKey,
      campaignKey: "SOURCE-7",
      endpoint: jornaya.singleQueryUrl,
    });
  });
  after(async () => {
    await client.close();
    await jornaya.stop();
  });

  test("sends lac, lak, lpc, id and the contact data as data=label;value|…, and reads audit.authentic", async () => {
    const token = jornaya.issue({ email: "ada@example.com", phone: "5125550100" });
    const before = jornaya.received().length;
    const check = await client.verify({ ...lead, leadId: token }, { timeoutMs: 2000 });
    assert.equal(check.outcome, "verified", check.detail);
    assert.equal(check.evidence?.["data_integrity"], true);
    const [sent] = jornaya.received().slice(before);
    assert.equal(sent?.method, "GET");
    assert.deepEqual(Object.fromEntries(queryOf(sent!)), {
      lac: jornaya.accountCode,
      id: token,
      lak: jornaya.auditKey,
      lpc: "SOURCE-7",
      data: "email;ada@example.com|phone1;5125550100",
      format: "json",
    });
  });

  test("a stranger's token is a no_match; a forged one is invalid", async () => {
    const stranger = jornaya.issue({ email: "grace@example.com", phone: "2125550199" });
    assert.equal(
      (await client.verify({ ...lead, leadId: stranger }, { timeoutMs: 2000 })).outcome,
      "no_match",
    );
    assert.equal(
      (await client.verify({ ...lead, leadId: randomUUID() }, { timeoutMs: 2000 })).outcome,
      "invalid",
    );
  });
});
