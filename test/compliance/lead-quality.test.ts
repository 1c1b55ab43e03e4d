// Lead validation beyond syntax (src/compliance/validation/lead-quality.ts), from the datasets it uses: the ZIP's state,
// the phone line, the e-mail provider; hard issues and the quality score. And over real HTTP: a vertical that
// validates refuses a California lead with a Texas ZIP, and a low score, with 422 GAVEL_LEAD_REFUSED naming the field;
// one that does not validate is unchanged.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { assessLead } from "../../src/compliance/validation/lead-quality.ts";
import { LeadValidator } from "../../src/compliance/validation/lead-validator.ts";
import { MxCheck, type MxResolver } from "../../src/compliance/validation/mx-check.ts";
import { evaluateRule, validateRule } from "../../src/domain/rules/rule.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { GavelError } from "../../src/errors.ts";
import { MemoryThrottle } from "../../src/state/counters/memory-throttle.ts";
import {
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const GOOD = { zip: "90210", state: "CA", phone: "3102750199", email: "pat@gmail.com" };
const checks = (lead: Record<string, unknown>) => assessLead(lead).issues.map((issue) => issue.check);

describe("lead quality checks", () => {
  test("a consistent lead scores 100 with no issue", () => {
    assert.deepEqual(assessLead(GOOD), { score: 100, issues: [] });
  });

  test("a Texas ZIP on a California lead is a hard issue naming the ZIP", () => {
    const quality = assessLead({ ...GOOD, zip: "75001" });
    assert.deepEqual(checks({ ...GOOD, zip: "75001" }), ["zip_state"]);
    assert.equal(quality.issues[0]?.hard, true);
    assert.equal(quality.issues[0]?.field, "lead.zip");
    assert.match(quality.issues[0]?.message ?? "", /in TX, not CA/);
  });

  test("phone lines: unassigned, toll-free, premium and 555-01xx are hard issues", () => {
    assert.deepEqual(checks({ ...GOOD, phone: "2121234567" }), ["phone_invalid"]);
    assert.deepEqual(checks({ ...GOOD, phone: "8005551234" }), ["phone_not_consumer"]);
    assert.deepEqual(checks({ ...GOOD, phone: "9005551234" }), ["phone_not_consumer"]);
    assert.deepEqual(checks({ ...GOOD, phone: "2125550147" }), ["phone_fictional"]);
    assert.deepEqual(
      checks({ ...GOOD, phone: "3105550200" }),
      [],
      "555 outside 0100-0199 is a real exchange",
    );
  });

  test("a disposable e-mail and an unknown ZIP are soft: they lower the score", () => {
    const disposable = assessLead({ ...GOOD, email: "pat@mailinator.com" });
    assert.deepEqual(checks({ ...GOOD, email: "pat@mailinator.com" }), ["email_disposable"]);
    assert.ok(disposable.score < 100 && disposable.score > 0, String(disposable.score));
    assert.equal(disposable.issues[0]?.hard, false);
    assert.ok(assessLead({ ...GOOD, zip: "00000" }).score < 100);
  });

  test("a 212 (New York) area code on a California lead is soft, from libphonenumber's geocoding data", () => {
    const quality = assessLead({ ...GOOD, phone: "2122750123" });
    assert.deepEqual(checks({ ...GOOD, phone: "2122750123" }), ["phone_area_code_state"]);
    assert.equal(quality.issues[0]?.hard, false);
    assert.equal(quality.score, 80);
    assert.match(quality.issues[0]?.message ?? "", /area code of NY, not CA/);
    assert.doesNotMatch(
      quality.issues[0]?.message ?? "",
      /212|275/,
      "the message names no digits of the phone",
    );
    assert.deepEqual(checks({ ...GOOD, state: "NY", zip: "10001", phone: "2122750123" }), []);
    // With the Texas ZIP as well: the ZIP refuses it, the area code is one more issue.
    assert.deepEqual(checks({ ...GOOD, zip: "75001", phone: "2122750123" }), [
      "zip_state",
      "phone_area_code_state",
    ]);
  });

  test("form timing: too fast and too old lower the score, or refuse where the vertical says", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    const rules = { min_form_seconds: 20, max_lead_age_seconds: 600 };
    const timing = (startedAgo: number, submittedAgo: number) => ({
      now,
      formStartedAt: now - startedAgo * 1000,
      formSubmittedAt: now - submittedAgo * 1000,
    });
    const fast = assessLead(GOOD, rules, timing(65, 60));
    assert.deepEqual(
      fast.issues.map((issue) => [issue.check, issue.hard, issue.field]),
      [["form_too_fast", false, "form_started_at"]],
    );
    assert.equal(fast.score, 60);
    assert.deepEqual(assessLead(GOOD, rules, timing(90, 60)), { score: 100, issues: [] });
    const old = assessLead(GOOD, { ...rules, refuse: ["lead_too_old"] }, timing(1000, 900));
    assert.deepEqual(
      old.issues.map((issue) => [issue.check, issue.hard]),
      [["lead_too_old", true]],
    );
    assert.deepEqual(assessLead(GOOD, rules, { now }), { score: 100, issues: [] }, "no form times: skipped");
  });

  test("a ping's fields alone (no phone, no e-mail) are checked as far as they go", () => {
    assert.deepEqual(checks({ zip: "75001", state: "CA" }), ["zip_state"]);
    assert.deepEqual(checks({ zip: "90210", state: "CA" }), []);
  });
});

describe("the MX lookup", () => {
  /** A resolver answering from a table: records per domain, or a DNS error code. */
  const resolver = (answers: Record<string, { mx?: string; a?: string; aaaa?: string }>) => {
    const asked: string[] = [];
    const query = (kind: "mx" | "a" | "aaaa") => async (domain: string) => {
      asked.push(`${kind} ${domain}`);
      const answer = answers[domain]?.[kind] ?? "ENOTFOUND";
      if (answer !== "yes") throw Object.assign(new Error(answer), { code: answer });
      return [{}];
    };
    const fake: MxResolver = { resolveMx: query("mx"), resolve4: query("a"), resolve6: query("aaaa") };
    return { fake, asked };
  };

  test("MX, else an address, receives mail; neither does not; a failed lookup judges nothing", async () => {
    const { fake } = resolver({
      "mail.test": { mx: "yes" },
      "host.test": { mx: "ENODATA", a: "yes", aaaa: "ENODATA" },
      "nothing.test": { mx: "ENODATA", a: "ENODATA", aaaa: "ENODATA" },
      "slow.test": { mx: "ETIMEOUT" },
    });
    const mx = new MxCheck({ resolver: fake });
    assert.equal(await mx.domainReceivesMail("mail.test"), true);
    assert.equal(await mx.domainReceivesMail("host.test"), true);
    assert.equal(await mx.domainReceivesMail("nothing.test"), false);
    assert.equal(await mx.domainReceivesMail("gone.test"), false, "NXDOMAIN");
    assert.equal(await mx.domainReceivesMail("slow.test"), undefined);
  });

  test("answers are cached until their TTL, and a burst asks once", async () => {
    let now = 0;
    const { fake, asked } = resolver({ "mail.test": { mx: "yes" } });
    const mx = new MxCheck({ resolver: fake, ttlMs: 1000, now: () => now });
    await Promise.all([mx.domainReceivesMail("mail.test"), mx.domainReceivesMail("mail.test")]);
    await mx.domainReceivesMail("mail.test");
    assert.deepEqual(asked, ["mx mail.test"]);
    now = 1001;
    await mx.domainReceivesMail("mail.test");
    assert.equal(asked.length, 2);
  });

  test("the default resolver times out quickly against a DNS server that never answers (no internet)", async () => {
    const { createSocket } = await import("node:dgram");
    const { Resolver } = await import("node:dns/promises");
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    const resolverAt = new Resolver({ timeout: 100, tries: 1 });
    resolverAt.setServers([`127.0.0.1:${silent.address().port}`]);
    const started = performance.now();
    assert.equal(await new MxCheck({ resolver: resolverAt }).domainReceivesMail("example.test"), undefined);
    assert.ok(performance.now() - started < 2000);
    silent.close();
  });
});

describe("the validator: velocity, MX and refusals", () => {
  const log = pino({ level: "silent" });
  const facts = (now: number, ip?: string) => ({
    sourceId: "src",
    contact: { email_sha256: "e".repeat(64) },
    ...(ip ? { ipAddress: ip } : {}),
    timing: { now },
    countVelocity: true,
  });

  test("velocity lowers the score past the limit, or refuses where listed in refuse; other sources count apart", async () => {
    const validator = new LeadValidator({ throttle: new MemoryThrottle(), log });
    const soft = { ...personalInjury, validation: { velocity: { max: 1, window_seconds: 60 } } };
    assert.equal((await validator.check(soft, GOOD, facts(1_000, "203.0.113.9")))?.score, 100);
    const second = await validator.check(soft, GOOD, facts(2_000, "203.0.113.9"));
    assert.equal(second?.score, 70);
    assert.match(
      second?.issues[0]?.message ?? "",
      /same email, IP address came from this source more than 1 times in 60 s/,
    );
    assert.doesNotMatch(JSON.stringify(second), /203\.0\.113\.9/, "never the address itself");
    assert.equal(
      (await validator.check(soft, GOOD, { ...facts(3_000), sourceId: "other" }))?.score,
      100,
      "counted per source",
    );
    assert.equal(
      (await validator.check(soft, GOOD, facts(62_000 + 60_000)))?.score,
      100,
      "the window passed",
    );
    const refusing = {
      ...personalInjury,
      id: "strict",
      validation: { velocity: { max: 1, window_seconds: 60 }, refuse: ["velocity" as const] },
    };
    await validator.check(refusing, GOOD, facts(1_000));
    await assert.rejects(
      validator.check(refusing, GOOD, facts(2_000)),
      (error: unknown) => error instanceof GavelError && error.code === "GAVEL_LEAD_REFUSED",
    );
    assert.equal(
      await validator.check(personalInjury, GOOD, facts(3_000)),
      undefined,
      "a vertical without validation is not assessed",
    );
  });

  test("check_mx: a domain with no mail server is soft; without check_mx nothing is looked up", async () => {
    const asked: string[] = [];
    const nowhere = async (domain: string) => {
      asked.push(domain);
      throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const mx = new MxCheck({ resolver: { resolveMx: nowhere, resolve4: nowhere, resolve6: nowhere } });
    const validator = new LeadValidator({ throttle: new MemoryThrottle(), log, mx });
    const lead = { ...GOOD, email: "pat@no-mail.test" };
    const checked = await validator.check(
      { ...personalInjury, validation: { check_mx: true } },
      lead,
      facts(1),
    );
    assert.deepEqual(
      checked?.issues.map((issue) => [issue.check, issue.hard]),
      [["email_no_mx", false]],
    );
    assert.equal(checked?.score, 70);
    asked.length = 0;
    await validator.check({ ...personalInjury, validation: {} }, lead, facts(1));
    assert.deepEqual(asked, []);
  });
});

describe("quality_score in the rule language", () => {
  const validating = { ...personalInjury, validation: {} };
  const rule = { field: "quality_score", op: "gte", value: 70 } as const;
  const at = { lead: {}, now: 0, timeZone: "UTC" };

  test("reads the lead's score, and fails when it is unknown", () => {
    assert.equal(validateRule([rule], validating, "filters"), undefined);
    assert.deepEqual(evaluateRule([rule], { ...at, qualityScore: 70 }), { pass: true });
    assert.deepEqual(evaluateRule([rule], { ...at, qualityScore: 69 }), {
      pass: false,
      failed: "quality_score gte 70",
    });
    assert.equal(evaluateRule({ any: [rule] }, at).pass, false);
  });

  test("is refused where the vertical does not validate, and with an operator a number cannot take", () => {
    assert.match(validateRule([rule], personalInjury)?.message ?? "", /has no validation/);
    assert.match(
      validateRule({ not: { field: "quality_score", op: "contains", value: "7" } }, validating)?.message ??
        "",
      /needs a text field/,
    );
  });
});

describe("a vertical that validates leads", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness([bidder("alpha", 40)], (farm) => ({
      verticals: [{ ...personalInjury, validation: { min_quality_score: 80 } }],
      sources: [testSource()],
      buyers: [{ id: "alpha", name: "alpha", status: "active" }],
      campaigns: [realtimeCampaign(farm, "alpha")],
    }));
  });
  after(() => h?.close());

  const direct = (values: Record<string, unknown>) => {
    const lead = personalInjuryLead();
    return h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: { ...lead.full, phone: "(310) 275-0199", ...values },
      consent: lead.consent,
    });
  };

  test("refuses a California lead with a Texas ZIP and a 212 area code, before any buyer is pinged", async () => {
    const reply = await direct({ zip: "75001", state: "CA", phone: "(212) 275-0123" });
    assert.equal(reply.status, 422, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, "GAVEL_LEAD_REFUSED");
    assert.equal(reply.body.error.field, "lead.zip");
    const ping = await h.call("/v1/ping", {
      vertical: "personal_injury",
      lead: { ...personalInjuryLead().ping, zip: "75001" },
    });
    assert.equal(ping.status, 422, JSON.stringify(ping.body));
    assert.deepEqual(await h.farm.requests(), [], "no buyer was pinged");
  });

  test("a disposable e-mail scores below the vertical's minimum: refused naming the e-mail", async () => {
    const reply = await direct({ email: "jordan@mailinator.com" });
    assert.equal(reply.status, 422, JSON.stringify(reply.body));
    assert.equal(reply.body.error.field, "lead.email");
    assert.match(reply.body.error.message, /quality score \d+ is below personal_injury's minimum of 80/);
  });

  test("a consistent lead sells as before", async () => {
    const reply = await direct({});
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status, "sold");
  });
});
