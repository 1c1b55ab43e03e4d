// Buyers that take leads without a real-time post: by e-mail (to a real SMTP server) and by signed webhook (to a real
// HTTP receiver that verifies the signature). Such a campaign buys at its bid the moment it is chosen; the outbox
// delivers, retries with backoff, dead-letters and replays, and survives a kill -9 of the exchange mid-retry. Also the
// source postbacks with URL macros. Runs on both backends.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { signWebhook, verifyWebhookSignature } from "../../src/deliveries/webhook-signature.ts";
import type { Campaign, ConfigFile } from "../../src/domain/config-schema.ts";
import { expandPostbackUrl, postbackUrlProblem } from "../../src/engine/postbacks.ts";
import { leadWithTrace, lineOf, receivers, requestsFor } from "../helpers/engine-steps.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { type GavelProcess, startGavelProcess } from "../helpers/gavel-process.ts";
import { HttpReceiver } from "../helpers/http-receiver.ts";
import { mailHeader, mimeParts, SmtpSink } from "../helpers/smtp-sink.ts";
import { openTestStorage, type TestStorage, withTestStorage } from "../helpers/test-backend.ts";

const SECRET = "whsec_test_0123456789abcdef";
const PII = ["Jordan", "Rivera", "555-0147", "5550147", "example.com"];

/** A fixed-price campaign for leads from one state, delivered as `delivery` says. */
function deliveryCampaign(
  id: string,
  state: string,
  price: number,
  delivery: Campaign["delivery"],
  overrides: Partial<Campaign> = {},
): Campaign {
  return {
    id,
    buyer_id: id,
    vertical: "personal_injury",
    name: `${id} campaign`,
    status: "active",
    filters: [{ field: "state", op: "eq", value: state }],
    pricing: { type: "fixed", price },
    // No post endpoint: a campaign with a delivery is never posted to.
    delivery,
    ...overrides,
  };
}

interface ListedItem {
  id: string;
  kind: string;
  url: string;
  method?: string;
  owner_id: string;
  status: string;
  attempts: number;
  last_error?: string;
  body: Record<string, unknown>;
}

describe(`[${BACKEND}] deliveries by e-mail and webhook`, () => {
  const smtp = new SmtpSink();
  const hook = new HttpReceiver({ secret: SECRET });
  const tracker = new HttpReceiver({ path: "/pixel" });
  let h: Harness;

  before(async () => {
    await Promise.all([smtp.start(), hook.start(), tracker.start()]);
    const pixel =
      `${tracker.url}?lead={lead_id}&ping={ping_id}&sub={sub_id}&payout={price}&status={status}` +
      "&reason={reason}&v={vertical}&e={event}";
    h = await startHarness(
      [bidder("pinger", 45)],
      (farm) => ({
        smtp: { host: "127.0.0.1", port: smtp.port, from: "Gavel leads <leads@gavel.test>" },
        sources: [
          testSource({
            postback: [{ url: pixel, method: "GET", events: ["sold", "returned"], timeout_ms: 1000 }],
          }),
        ],
        buyers: [
          { id: "mailer", name: "mailer", status: "active" },
          { id: "hooker", name: "hooker", status: "active", auto_approve_returns: true },
          { id: "pinger", name: "pinger", status: "active" },
        ],
        campaigns: [
          deliveryCampaign("mailer", "TX", 30, { type: "email", to: ["leads@buyer.test", "crm@buyer.test"] }),
          deliveryCampaign(
            "hooker",
            "CA",
            40,
            { type: "webhook", url: hook.url, secret: SECRET, timeout_ms: 1000 },
            { return_window_days: 7 },
          ),
          realtimeCampaign(farm, "pinger", {
            filters: [{ field: "state", op: "eq", value: "FL" }],
            delivery: { type: "webhook", url: hook.url, secret: SECRET },
          }),
        ],
      }),
      // Short retries so the whole ladder fits in a test: attempts at 0, +0.1 s, +0.2 s, +0.4 s, then dead.
      { outboxRetry: { maxAttempts: 4, firstRetryMs: 100 } },
    );
  });

  after(async () => {
    await h?.close();
    await Promise.all([smtp.stop(), hook.stop(), tracker.stop()]);
  });

  const outbox = async (): Promise<ListedItem[]> =>
    (await h.admin("GET", "/v1/admin/outbox?limit=500")).body.items as ListedItem[];
  const deliveryOf = (leadId: string) =>
    eventually(
      async () =>
        (await outbox()).find((item) => item.kind !== "source_postback" && item.body.lead_id === leadId),
      `the delivery of ${leadId}`,
    );
  const settled = (id: string, status: "done" | "dead", timeoutMs?: number) =>
    eventually(
      async () => (await outbox()).find((item) => item.id === id && item.status === status),
      `outbox item ${id} to be ${status}`,
      timeoutMs,
    );
  const directPost = async (state: string) => {
    const lead = personalInjuryLead({ state });
    const reply = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body as { lead_id: string; status: string; price: number };
  };

  test("an e-mail campaign buys at its price when chosen; the lead reaches its mailbox through SMTP", async () => {
    const sale = await directPost("TX");
    assert.equal(sale.status, "sold");
    assert.equal(sale.price, 24, "80 % of the campaign's $30");
    const { lead, trace } = await leadWithTrace(h, sale.lead_id);
    assert.equal(lead.buyer_price, 30);
    const line = lineOf(trace, "post", "mailer");
    assert.equal(line.outcome, "post_accepted");
    assert.match(String(line.detail), /email/);

    const item = await deliveryOf(sale.lead_id);
    assert.equal(item.kind, "email");
    assert.equal(item.url, "mailto:leads@buyer.test,crm@buyer.test");
    await settled(item.id, "done");
    const mail = await eventually(
      () => smtp.messages.find((m) => m.raw.includes(item.id)),
      "the e-mail at the SMTP server",
    );
    assert.deepEqual(mail.to, ["leads@buyer.test", "crm@buyer.test"]);
    assert.equal(mail.from, "leads@gavel.test");
    const subject = mailHeader(mail.raw, "subject") ?? "";
    assert.match(subject, new RegExp(sale.lead_id));
    for (const pii of PII) assert.ok(!subject.includes(pii), `${pii} in the subject`);

    const parts = mimeParts(mail.raw);
    const text = parts.find((part) => part.headers["content-type"]?.startsWith("text/plain"))?.body ?? "";
    assert.match(text, /first_name: Jordan/);
    assert.match(text, /email: jordan\.rivera@example\.com/i);
    assert.match(text, /bought at \$30\.00/);
    const attached = parts.find((part) => part.headers["content-type"]?.startsWith("application/json"));
    assert.ok(attached, "the lead attached as JSON");
    const message = JSON.parse(attached.body);
    assert.equal(message.lead_id, sale.lead_id);
    assert.equal(message.delivery_id, item.id);
    assert.equal(message.price, 30);
    assert.equal(message.lead.last_name, "Rivera");
    assert.equal(message.consent.trustedform_cert_url, personalInjuryLead().consent.trustedform_cert_url);

    // The outbox keeps only the lead's id: its PII stays with the lead.
    const listed = JSON.stringify(await outbox());
    for (const pii of PII) assert.ok(!listed.includes(pii), `${pii} in the outbox`);
  });

  test("a refused e-mail is retried and accepted once", async () => {
    smtp.refuse(451, 421);
    const sale = await directPost("TX");
    const item = await deliveryOf(sale.lead_id);
    const done = await settled(item.id, "done");
    assert.equal(done.attempts, 3);
    assert.equal(smtp.messages.filter((m) => m.raw.includes(item.id)).length, 1, "one message kept");
  });

  test("a webhook is signed: the receiver verifies it, and refuses a tampered body or an old timestamp", async () => {
    const sale = await directPost("CA");
    assert.equal(sale.price, 32, "80 % of the campaign's $40");
    const item = await deliveryOf(sale.lead_id);
    assert.equal(item.kind, "webhook");
    await settled(item.id, "done");
    const [request] = hook.deliveries(item.id);
    assert.ok(request, "the webhook reached the receiver");
    assert.equal(request.method, "POST");
    assert.deepEqual(request.signature?.ok, true);
    assert.equal(request.headers["content-type"], "application/json");
    const message = JSON.parse(request.body);
    assert.equal(message.event, "lead.delivered");
    assert.equal(message.lead_id, sale.lead_id);
    assert.equal(message.campaign_id, "hooker");
    assert.equal(message.price, 40);
    assert.equal(message.lead.first_name, "Jordan");

    const header = String(request.headers["gavel-signature"]);
    const t = Number(/t=(\d+)/.exec(header)?.[1]);
    assert.ok(Math.abs(t - Date.now() / 1000) < 60, "stamped now");
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, header, body: request.body, nowS: t + 301 }), {
      ok: false,
      reason: "expired",
    });
    assert.deepEqual(
      verifyWebhookSignature({ secret: SECRET, header, body: request.body.replace("40", "4") }),
      { ok: false, reason: "mismatch" },
    );
    assert.deepEqual(
      verifyWebhookSignature({ secret: "not-the-secret-at-all", header, body: request.body }).ok,
      false,
    );

    // Replayed to the receiver: the same body, validly signed an hour ago, is refused.
    const old = Math.floor(Date.now() / 1000) - 3600;
    const replay = await fetch(hook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "gavel-signature": signWebhook(SECRET, old, request.body),
      },
      body: request.body,
    });
    assert.equal(replay.status, 400);
    assert.deepEqual(hook.requests.at(-1)?.signature, { ok: false, reason: "expired" });
  });

  test("a realtime campaign that takes leads by webhook is pinged without PII, then gets the lead by webhook", async () => {
    const lead = personalInjuryLead({ state: "FL" });
    const ping = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
    assert.equal(ping.body.status, "bid");
    assert.equal(ping.body.price, 36);
    const post = await h.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold");
    const requests = await requestsFor(h, ping.body.ping_id);
    assert.deepEqual(receivers(requests, "ping"), ["pinger"]);
    assert.deepEqual(receivers(requests, "post"), [], "no real-time post");
    for (const pii of PII) assert.ok(!requests[0]!.body.includes(pii), `${pii} in the ping`);

    const item = await deliveryOf(post.body.lead_id);
    await settled(item.id, "done");
    const message = JSON.parse(hook.deliveries(item.id)[0]!.body);
    assert.equal(message.request_id, ping.body.ping_id, "the auction's id, as a post would carry it");
    assert.equal(message.price, 45);
    assert.equal(message.lead.phone, "2125550147");
  });

  test("an endpoint that fails three times, then answers, takes the delivery exactly once", async () => {
    hook.plan(500, 503, 500);
    const sale = await directPost("CA");
    const item = await deliveryOf(sale.lead_id);
    const done = await settled(item.id, "done");
    assert.equal(done.attempts, 4);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(
      hook.deliveries(item.id).map((r) => r.status),
      [500, 503, 500, 200],
      "three failures, one success, nothing after",
    );
    assert.equal(hook.accepted(item.id), 1);
  });

  test("an endpoint that always fails is a dead letter; a replay delivers it once", async () => {
    hook.plan(500, 500, 500, 500);
    const sale = await directPost("CA");
    const item = await deliveryOf(sale.lead_id);
    const dead = await settled(item.id, "dead");
    assert.equal(dead.attempts, 4);
    assert.equal(dead.last_error, "HTTP 500");
    assert.equal(hook.accepted(item.id), 0);

    assert.equal((await h.admin("POST", `/v1/admin/outbox/${item.id}/replay`)).status, 200);
    const done = await settled(item.id, "done");
    assert.equal(done.attempts, 1, "a replay starts the attempts again");
    assert.equal(hook.accepted(item.id), 1);
    assert.equal(hook.deliveries(item.id).length, 5);
  });

  test("source postbacks: GET with URL macros, only for the events asked for (sold, returned)", async () => {
    const sale = await directPost("CA");
    const sold = await eventually(
      () => tracker.requests.find((r) => r.url.includes(`lead=${sale.lead_id}`)),
      "the sold postback",
    );
    assert.equal(sold.method, "GET");
    assert.equal(sold.body, "");
    const query = new URL(sold.url, "http://x").searchParams;
    assert.deepEqual(Object.fromEntries(query), {
      lead: sale.lead_id,
      ping: "",
      sub: "",
      payout: "32.00",
      status: "sold",
      reason: "",
      v: "personal_injury",
      e: "lead.sold",
    });

    // Unsold leads are not asked for: no postback.
    const unsold = await directPost("NV");
    assert.equal(unsold.status, "unsold");

    const returned = await h.admin("POST", `/v1/admin/leads/${sale.lead_id}/returns`, { reason: "fraud" });
    assert.equal(returned.status, 201, JSON.stringify(returned.body));
    assert.equal(returned.body.return.status, "approved", "the buyer's returns are approved at once");
    const back = await eventually(
      () =>
        tracker.requests.find((r) => r.url.includes(`lead=${sale.lead_id}`) && r.url.includes("returned")),
      "the returned postback",
    );
    const backQuery = Object.fromEntries(new URL(back.url, "http://x").searchParams);
    assert.equal(backQuery.e, "lead.returned");
    assert.equal(backQuery.reason, "fraud");
    assert.equal(backQuery.payout, "-32.00");
    assert.ok(!tracker.requests.some((r) => r.url.includes(unsold.lead_id)), "no postback for unsold");
  });

  test("configuration: a campaign with neither a post endpoint nor a delivery is refused, naming post", async () => {
    const { delivery: _, ...nowhere } = deliveryCampaign("nowhere", "TX", 10, undefined, {
      buyer_id: "mailer",
    });
    const reply = await h.admin("PUT", "/v1/admin/campaigns/nowhere", nowhere);
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.equal(reply.body.error.field, "post");
  });

  test("configuration: an unknown postback macro is refused; no postback carries PII", async () => {
    const bad = await h.admin("PUT", "/v1/admin/sources/src-macro", {
      name: "macro",
      status: "live",
      payout: { model: "revenue_share", percent: 80 },
      postback: { url: "https://tracker.test/pb?c={click_id}" },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "GAVEL_VALIDATION");
    assert.match(bad.body.error.message, /\{click_id\}/);
    const text = JSON.stringify(tracker.requests);
    for (const pii of PII) assert.ok(!text.includes(pii), `${pii} in a postback`);
  });
});

test("postback macros: values URL-encoded, a missing one empty, an unknown one refused", () => {
  assert.equal(
    expandPostbackUrl("https://t.example/{vertical}/pb?c={sub_id}&p={price}&r={reason}", {
      vertical: "personal_injury",
      sub_id: "a b&c=d/é",
      price: "24.00",
    }),
    "https://t.example/personal_injury/pb?c=a%20b%26c%3Dd%2F%C3%A9&p=24.00&r=",
  );
  assert.equal(postbackUrlProblem("https://t.example/pb?l={lead_id}&e={event}"), undefined);
  assert.match(String(postbackUrlProblem("https://t.example/pb?c={click}")), /unknown macro \{click\}/);
  assert.match(String(postbackUrlProblem("https://bad host/pb?l={lead_id}")), /not a URL/);
});

describe(`[${BACKEND}] a kill -9 while a delivery is retried loses nothing`, () => {
  const hook = new HttpReceiver({ secret: SECRET });
  let storage: TestStorage | undefined;
  let dataDir = "";
  let gavel: GavelProcess | undefined;

  before(async () => {
    await hook.start();
    storage = await openTestStorage();
    dataDir = mkdtempSync(join(tmpdir(), "gavel-deliveries-"));
  });

  after(async () => {
    await gavel?.stop("SIGKILL");
    await hook.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await storage?.dispose();
  });

  const call = async (path: string, key: string, method = "GET", body?: unknown) => {
    const response = await fetch(gavel!.url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
  };

  test("killed while the receiver holds a retry; restarted on the same data, the lead is delivered once", async () => {
    const configPath = join(dataDir, "gavel.config.json");
    const config: ConfigFile = {
      sources: [testSource()],
      buyers: [{ id: "hooker", name: "hooker", status: "active" }],
      campaigns: [deliveryCampaign("hooker", "CA", 40, { type: "webhook", url: hook.url, secret: SECRET })],
    };
    writeFileSync(configPath, JSON.stringify(withTestStorage(config, storage!)));
    gavel = await startGavelProcess({ configPath, dataDir, adminKey: ADMIN_KEY });

    // Two failures (retried after about 1 s, then 2 s), then the third attempt is held open: in flight when killed.
    hook.plan(500, 500, "hold");
    const lead = personalInjuryLead({ state: "CA" });
    const sale = await call("/v1/leads", SOURCE_KEY, "POST", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(sale.body.status, "sold");
    await eventually(() => (hook.requests.length >= 3 ? true : undefined), "the third attempt", 15_000);
    const deliveryId = String(hook.requests[0]!.headers["gavel-delivery"]);
    assert.equal((await gavel.stop("SIGKILL")).signal, "SIGKILL");
    gavel = undefined;
    assert.equal(hook.accepted(deliveryId), 0, "not taken before the kill");

    // The item was leased to the dead process: once its lease lapses, the new process sends it again.
    gavel = await startGavelProcess({ configPath, dataDir, adminKey: ADMIN_KEY });
    const lapsed = await eventually(
      async () => {
        const items = (await call("/v1/admin/outbox?limit=50", ADMIN_KEY)).body.items as ListedItem[];
        return items.find((item) => item.id === deliveryId && item.status === "done");
      },
      "the delivery after the restart",
      60_000,
    );
    assert.equal(lapsed.attempts, 4);
    assert.equal(hook.accepted(deliveryId), 1, "taken exactly once");
    const lead2 = await call(`/v1/admin/leads/${sale.body.lead_id}`, ADMIN_KEY);
    assert.equal(lead2.body.lead.status, "sold", "the sale survived too");
  });
});
