// Each bought lead reaches the firm by e-mail through a real SMTP server (smtp-server in this process), retried
// through the same durable delivery rows as the CRM webhook when the server refuses it for a while.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { mailHeader, mimeParts, SmtpSink } from "../helpers/smtp-sink.ts";
import { startTestBidder, type TestBidder, testBidderConfig, uniqueLead } from "./bidder-harness.ts";

let smtp: SmtpSink;
let bidder: TestBidder;

describe("bidder-email", () => {
  before(async () => {
    smtp = new SmtpSink();
    await smtp.start();
    const config = {
      ...testBidderConfig(),
      crm_email: {
        to: ["intake@firm.test", "crm-inbox@firm.test"],
        smtp: {
          host: "127.0.0.1",
          port: smtp.port,
          from: "Gavel bidder <bidder@firm.test>",
          timeout_ms: 5000,
        },
        max_attempts: 5,
      },
    };
    bidder = await startTestBidder(config, { crmFirstRetryMs: 50 });
  });
  after(async () => {
    await bidder?.stop();
    await smtp?.stop();
  });

  test("a bought lead is e-mailed to the firm: readable text, the JSON attached, no PII in the subject", async () => {
    const { ping, full } = uniqueLead();
    const bid = await bidder.nativePing({ vertical: "personal_injury", lead: ping });
    const post = await bidder.nativePost({ bid_id: bid.body.bid_id, lead: full });
    assert.equal(post.body.accepted, true);
    const leadId: string = post.body.buyer_lead_id;
    const mail = await eventually(
      () => smtp.messages.find((m) => m.raw.includes(leadId)),
      "the e-mail at the SMTP server",
      10_000,
    );
    assert.deepEqual(mail.to, ["intake@firm.test", "crm-inbox@firm.test"]);
    assert.equal(mail.from, "bidder@firm.test");
    const subject = mailHeader(mail.raw, "subject") ?? "";
    assert.match(subject, /personal_injury lead/);
    assert.ok(
      !subject.includes(full.email) && !subject.includes("Rivera"),
      `no PII in the subject: ${subject}`,
    );
    const parts = mimeParts(mail.raw);
    const text = parts.find((p) => p.headers["content-type"]?.startsWith("text/plain"))?.body ?? "";
    assert.match(text, new RegExp(`email: ${full.email.replace(/\./g, "\\.")}`));
    assert.match(text, /bought at \$250\.00/);
    const attached = parts.find((p) => p.headers["content-type"]?.startsWith("application/json"));
    assert.ok(attached, "the JSON attached");
    const json = JSON.parse(attached.body);
    assert.equal(json.event, "lead.bought");
    assert.equal(json.lead_id, leadId);
    assert.equal(json.lead.phone, full.phone.replace(/\D/g, ""), "the lead as bought (phone normalised)");
  });

  test("an e-mail the server refuses twice (451, 421) is retried and delivered once", async () => {
    smtp.refuse(451, 421);
    const before = smtp.attempts;
    const { ping, full } = uniqueLead();
    const bid = await bidder.nativePing({ vertical: "personal_injury", lead: ping });
    const post = await bidder.nativePost({ bid_id: bid.body.bid_id, lead: full });
    const leadId: string = post.body.buyer_lead_id;
    await eventually(() => smtp.messages.find((m) => m.raw.includes(leadId)), "the retried e-mail", 10_000);
    assert.equal(smtp.attempts - before, 3, "two refusals, then accepted");
    assert.equal(smtp.messages.filter((m) => m.raw.includes(leadId)).length, 1, "one message kept");
    const status = await bidder.admin("GET", "/v1/status");
    assert.deepEqual(status.body.crm_deliveries, { pending: 0, delivered: 2, givenUp: 0 });
  });
});
