// A buyer that does not speak the native protocol, end to end: a templated campaign pings it with form fields (never
// PII), reads its XML bid, captures its token, posts the whole lead to it as XML with that token, and reads its
// XML answer; the decision trace says what happened at each step. A native farm buyer bids alongside, for the
// fallback. The non-native buyer is a small HTTP receiver in this file.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Campaign } from "../../src/domain/config-schema.ts";
import {
  leadWithTrace,
  lineOf,
  postAttempts,
  sendDirect,
  sendPing,
  sendPost,
} from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

/**
 * The XML buyer's ping timeout: its slow mode answers 300 ms past it. At 300 ms, at load ~20, its prompt bid timed out
 * too, and the native buyer won the lead the XML buyer was to receive.
 */
const TEMPLATED_PING_TIMEOUT_MS = 2_000;

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** How the receiver answers: a bid or a reject on the ping, an accept or a reject on the post, or a fault. */
interface ReceiverMode {
  ping: "bid" | "reject" | "slow" | "error500";
  post: "accept" | "reject";
}

class XmlBuyer {
  readonly received: Received[] = [];
  mode: ReceiverMode = { ping: "bid", post: "accept" };
  #server: Server | undefined;
  #tokens = 0;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => {
        body += chunk;
      });
      request.on("end", () => {
        this.received.push({
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body,
        });
        const reply = (status: number, xml: string) => {
          response.writeHead(status, { "content-type": "application/xml" });
          response.end(xml);
        };
        if (request.url?.startsWith("/ping")) {
          const { ping } = this.mode;
          if (ping === "error500") return reply(500, "<response><result>accepted</result></response>");
          if (ping === "reject")
            return reply(200, "<response><result>rejected</result><reason>Outside area</reason></response>");
          const token = `tok-${++this.#tokens}`;
          const xml = `<response><result>accepted</result><bid id="X-${this.#tokens}"><price>42.00</price></bid><token>${token}</token></response>`;
          if (ping === "slow") setTimeout(() => reply(200, xml), TEMPLATED_PING_TIMEOUT_MS + 300).unref();
          else reply(200, xml);
          return;
        }
        if (this.mode.post === "reject")
          return reply(200, '<result status="error"><message>Duplicate</message></result>');
        reply(200, '<result status="ok"><lead_id>CRM-1</lead_id></result>');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  requests(path: "/ping" | "/post"): Received[] {
    return this.received.filter((r) => r.url.startsWith(path));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

function templatedCampaign(buyerUrl: string): Campaign {
  return {
    id: "xml",
    buyer_id: "xml",
    vertical: "personal_injury",
    name: "XML buyer",
    status: "active",
    filters: [],
    pricing: { type: "realtime" },
    ping: { url: `${buyerUrl}/ping`, timeout_ms: TEMPLATED_PING_TIMEOUT_MS },
    post: { url: `${buyerUrl}/post`, timeout_ms: 1000 },
    integration: {
      type: "templated",
      ping: {
        format: "form",
        query: { rid: "{{request_id}}" },
        auth: { type: "api_key", in: "body", name: "api_key", value: "k-1" },
        body: { "*": "{{lead}}", is_test: "{{test}}" },
        value_map: { "lead.crash_type": { rear_end: "Rear End" }, test: { true: "1", false: null } },
        response: {
          format: "xml",
          accept: { path: "response/result", equals: ["accepted"] },
          reject: { path: "response/result", equals: ["rejected"] },
          price: "response/bid/price",
          reason: ["response/reason"],
          reference: "response/bid/@id",
          capture: { token: "response/token" },
        },
      },
      post: {
        format: "xml",
        xml_root: "Lead",
        auth: { type: "basic", username: "gavel", password: "s3cret" },
        body: {
          Token: "{{captured.token}}",
          Price: "{{price}}",
          Contact: { Name: "{{lead.first_name}} {{lead.last_name}}", Email: "{{lead.email}}" },
          Case: { "*": "{{lead}}" },
        },
        response: {
          format: "xml",
          accept: { path: "result/@status", equals: ["ok"] },
          reason: ["result/message"],
          reference: "result/lead_id",
        },
      },
    },
  };
}

const NATIVE = bidder("native", 20);
const xmlBuyer = new XmlBuyer();
let h: Harness;

before(async () => {
  await xmlBuyer.start();
  h = await startHarness([NATIVE], (farm) => ({
    // Paid a fixed $10, which both bids cover, so a fallback to the native bidder can sell.
    sources: [testSource({ payout: { model: "fixed", amount: 10 } })],
    buyers: [
      { id: "native", name: "native", status: "active" },
      { id: "xml", name: "xml", status: "active" },
    ],
    campaigns: [realtimeCampaign(farm, "native"), templatedCampaign(xmlBuyer.url)],
  }));
});
after(async () => {
  await h?.close();
  await xmlBuyer.stop();
});
beforeEach(() => {
  xmlBuyer.mode = { ping: "bid", post: "accept" };
  xmlBuyer.received.length = 0;
});

describe(`[${BACKEND}] templated buyer`, () => {
  test("pinged with form fields and no PII, bids in XML, wins, and takes the XML post with its token", async () => {
    const ping = await sendPing(h);
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.equal(ping.body.status, "bid");
    assert.equal(ping.body.price, 10);
    const [pinged] = xmlBuyer.requests("/ping");
    assert.ok(pinged);
    assert.equal(pinged.method, "POST");
    assert.equal(pinged.headers["content-type"], "application/x-www-form-urlencoded");
    assert.match(pinged.url, /^\/ping\?rid=[\w-]+$/);
    const form = new URLSearchParams(pinged.body);
    assert.equal(form.get("api_key"), "k-1");
    assert.equal(form.get("zip"), "90210");
    assert.equal(form.get("crash_type"), "Rear End");
    assert.equal(form.get("is_test"), null, "not a test ping: the flag is left out");
    for (const pii of [
      "first_name",
      "last_name",
      "phone",
      "email",
      "accident_narrative",
      "insurance_company",
    ])
      assert.equal(form.get(pii), null, `${pii} must never be pinged`);
    assert.doesNotMatch(pinged.body, /Jordan|Rivera|555|example\.com/);

    const post = await sendPost(h, ping.body.ping_id);
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.body.status, "sold");
    assert.equal(post.body.price, 10);
    const [posted] = xmlBuyer.requests("/post");
    assert.ok(posted);
    assert.equal(posted.headers["content-type"], "application/xml");
    assert.equal(posted.headers.authorization, `Basic ${Buffer.from("gavel:s3cret").toString("base64")}`);
    assert.match(posted.body, /^<\?xml version="1\.0" encoding="UTF-8"\?><Lead><Token>tok-\d+<\/Token>/);
    assert.match(posted.body, /<Price>42<\/Price>/);
    assert.match(posted.body, /<Contact><Name>Jordan Rivera<\/Name><Email>[^<]+<\/Email><\/Contact>/);
    assert.match(
      posted.body,
      /<Case>.*<crash_type>rear_end<\/crash_type>.*<\/Case>/,
      "no value map on the post",
    );

    const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lead.buyer_id, "xml");
    assert.equal(lead.buyer_price, 42);
    const pingLine = lineOf(trace, "ping", "xml");
    assert.equal(pingLine.outcome, "won");
    assert.equal(pingLine.bid, 42);
    assert.equal(lineOf(trace, "ping", "native").outcome, "lost");
    assert.deepEqual(postAttempts(trace), [["xml", "post_accepted"]]);
    assert.equal(lineOf(trace, "post", "xml").detail, "buyer_lead_id CRM-1");
  });

  test("a direct post pings the templated buyer without the PII it carries, then posts it the whole lead", async () => {
    const direct = await sendDirect(h);
    assert.equal(direct.status, 200, JSON.stringify(direct.body));
    assert.equal(direct.body.status, "sold");
    const [pinged] = xmlBuyer.requests("/ping");
    assert.ok(pinged);
    assert.doesNotMatch(pinged.body, /Jordan|Rivera|555|example\.com|Acme/);
    const [posted] = xmlBuyer.requests("/post");
    assert.match(posted?.body ?? "", /<first_name>Jordan<\/first_name>/);
    const { trace } = await leadWithTrace(h, direct.body.lead_id);
    assert.deepEqual(postAttempts(trace), [["xml", "post_accepted"]]);
  });

  test("a test ping carries the buyer's test flag", async () => {
    const ping = await sendPing(h, { extra: { test: true } });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    const [pinged] = xmlBuyer.requests("/ping");
    assert.equal(new URLSearchParams(pinged!.body).get("is_test"), "1");
  });

  test("the XML buyer rejects the post: the trace keeps its reason and the native bidder buys the lead", async () => {
    xmlBuyer.mode = { ping: "bid", post: "reject" };
    const ping = await sendPing(h);
    const post = await sendPost(h, ping.body.ping_id);
    assert.equal(post.body.status, "sold");
    const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lead.buyer_id, "native");
    assert.deepEqual(postAttempts(trace), [
      ["xml", "post_rejected"],
      ["native", "post_accepted"],
    ]);
    assert.equal(lineOf(trace, "post", "xml").detail, "Duplicate");
  });

  test("a reject on the ping is a no-bid with the buyer's reason; the native bidder wins", async () => {
    xmlBuyer.mode = { ping: "reject", post: "accept" };
    const ping = await sendPing(h);
    const post = await sendPost(h, ping.body.ping_id);
    const { trace } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lineOf(trace, "ping", "xml").outcome, "no_bid");
    assert.equal(lineOf(trace, "ping", "xml").detail, "Outside area");
    assert.deepEqual(postAttempts(trace), [["native", "post_accepted"]]);
  });

  test("HTTP 500 on the ping is a buyer error, not a no-bid", async () => {
    xmlBuyer.mode = { ping: "error500", post: "accept" };
    const ping = await sendPing(h);
    const post = await sendPost(h, ping.body.ping_id);
    const { trace } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lineOf(trace, "ping", "xml").outcome, "buyer_error");
    assert.equal(lineOf(trace, "ping", "xml").detail, "HTTP 500");
  });

  test("a reply later than the campaign's ping timeout is a timeout, and the auction goes on without it", async () => {
    xmlBuyer.mode = { ping: "slow", post: "accept" };
    const ping = await sendPing(h);
    assert.equal(ping.body.status, "bid");
    const post = await sendPost(h, ping.body.ping_id);
    const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lineOf(trace, "ping", "xml").outcome, "timeout");
    assert.equal(lead.buyer_id, "native");
  });

  test("saving a campaign whose ping template names a PII field is refused, naming the field", async () => {
    const campaign = templatedCampaign(xmlBuyer.url);
    const integration = structuredClone(campaign.integration);
    assert.ok(integration?.type === "templated" && integration.ping);
    integration.ping.body = { ...integration.ping.body, phone: "{{lead.phone}}" };
    const reply = await h.admin("PUT", "/v1/admin/campaigns/xml", { ...campaign, integration });
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, "GAVEL_VALIDATION");
    assert.equal(reply.body.error.field, "integration.ping.body.phone");
    assert.match(reply.body.error.message, /PII/);
  });

  test("a preset campaign is saved as written and expanded when compiled", async () => {
    const params = {
      api_token: "t-1",
      vertical: "PersonalInjury",
      source: "Search",
      original_url: "https://quotes.example.com/accident",
      tcpa_text: "By clicking Submit I agree to be contacted.",
    };
    const campaign: Campaign = {
      ...templatedCampaign(xmlBuyer.url),
      id: "px-style",
      status: "paused",
      integration: {
        type: "preset",
        preset: "px",
        params,
      },
    };
    const saved = await h.admin("PUT", `/v1/admin/campaigns/${campaign.id}`, campaign);
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    // Saved as written; the answer masks the credential (see test/engine/admin-secrets.test.ts).
    assert.deepEqual(
      h.gavel.exchange.config.campaignById.get(campaign.id)?.integration,
      campaign.integration,
    );
    assert.deepEqual(saved.body.integration, {
      ...campaign.integration,
      params: { ...params, api_token: "•".repeat(16) },
    });
    const missing = await h.admin("PUT", `/v1/admin/campaigns/${campaign.id}`, {
      ...campaign,
      integration: { type: "preset", preset: "px", params: {} },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.field, "integration.params.api_token");
  });
  test("lead context reaches a ping only where its template names it, and the post as its template says", async () => {
    const campaign = templatedCampaign(xmlBuyer.url);
    const integration = structuredClone(campaign.integration);
    assert.ok(integration?.type === "templated" && integration.ping);
    integration.ping.body = {
      ...integration.ping.body,
      ip: "{{context.ip_address}}",
      sub: "{{context.sub_id}}",
    };
    integration.post.body = {
      ...integration.post.body,
      Visit: {
        Ip: "{{context.ip_address}}",
        Agent: "{{context.user_agent}}",
        Page: "{{context.landing_page_url}}",
        Source: "{{context.source_id}}",
      },
    };
    const saved = await h.admin("PUT", "/v1/admin/campaigns/xml", { ...campaign, integration });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    try {
      const visit = {
        ip_address: "2001:db8::7",
        user_agent: "Mozilla/5.0 (ContextTest)",
        landing_page_url: "https://quotes.example.com/accident?utm=1",
      };
      const ping = await sendPing(h, { extra: { context: visit } });
      assert.equal(ping.status, 200, JSON.stringify(ping.body));
      assert.equal(ping.body.status, "bid");
      const [pinged] = xmlBuyer.requests("/ping");
      const form = new URLSearchParams(pinged?.body ?? "");
      assert.equal(form.get("ip"), visit.ip_address, "the template names the IP: it is sent");
      // Only what the template names: the user agent and landing page stay off the ping.
      assert.doesNotMatch(pinged?.body ?? "", /ContextTest|quotes\.example\.com/);
      const post = await h.call("/v1/post", {
        ping_id: ping.body.ping_id,
        lead: personalInjuryLead().full,
        consent: personalInjuryLead().consent,
        context: visit,
      });
      assert.equal(post.status, 200, JSON.stringify(post.body));
      assert.equal(post.body.status, "sold");
      const [posted] = xmlBuyer.requests("/post");
      const visitXml = /<Visit>(.*?)<\/Visit>/.exec(posted?.body ?? "")?.[1] ?? "";
      // Element by element: the distributed backend's configuration store does not keep an object's key order.
      assert.match(visitXml, /<Ip>2001:db8::7<\/Ip>/);
      assert.match(visitXml, /<Agent>Mozilla\/5\.0 \(ContextTest\)<\/Agent>/);
      assert.match(visitXml, /<Page>https:\/\/quotes\.example\.com\/accident\?utm=1<\/Page>/);
      assert.match(visitXml, /<Source>src-main<\/Source>/);
      const { trace } = await leadWithTrace(h, post.body.lead_id);
      assert.match(String(lineOf(trace, "ping", "xml").detail), /context sent: ip_address/);

      // A ping without context: the placeholder is empty, and the trace says nothing went out.
      xmlBuyer.received.length = 0;
      const bare = await sendPing(h);
      assert.equal(bare.status, 200, JSON.stringify(bare.body));
      const bareForm = new URLSearchParams(xmlBuyer.requests("/ping")[0]?.body ?? "");
      assert.ok(!bareForm.get("ip"), "no IP was sent, so none goes out");
    } finally {
      const restored = await h.admin("PUT", "/v1/admin/campaigns/xml", campaign);
      assert.equal(restored.status, 200, JSON.stringify(restored.body));
    }
  });
});
