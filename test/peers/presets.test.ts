// The four presets end to end, through a real exchange over real HTTP, against buyers written from each platform's
// public spec (./boberdoo-buyer.ts, ./leadspedia-buyer.ts, ./lead-prosper-buyer.ts, ./px-buyer.ts) rather than from
// our fixtures: each ping is accepted by the platform and its bid read; each post carries the echoed id and the
// consent proof (never the ping), and is accepted; a decline, an error answered with HTTP 200 and a test lead are
// each classified as the platform means them. The operator's configuration is the one docs/configuration.md shows.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Campaign, ConfigFile } from "../../src/domain/config-schema.ts";
import type { Vertical } from "../../src/domain/vertical.ts";
import type { BuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { lineOf, pingWithTrace } from "../helpers/engine-steps.ts";
import {
  bidder,
  type Harness,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { type BoberdooBuyer, startBoberdooBuyer } from "./boberdoo-buyer.ts";
import { BoberdooSeller } from "./boberdoo-seller.ts";
import { type JornayaService, startJornayaService } from "./jornaya-service.ts";
import { type LeadProsperBuyer, startLeadProsperBuyer } from "./lead-prosper-buyer.ts";
import { LeadProsperSeller } from "./lead-prosper-seller.ts";
import { type LeadsPediaBuyer, startLeadsPediaBuyer } from "./leadspedia-buyer.ts";
import { LeadsPediaSeller } from "./leadspedia-seller.ts";
import { formFields, type Peer, type ReceivedRequest } from "./peer-server.ts";
import { type PxBuyer, startPxBuyer } from "./px-buyer.ts";
import { startTrustedFormService, type TrustedFormService } from "./trustedform-service.ts";

/** A home-improvement vertical whose visit metadata the buyers' specs require on the ping (declared non-PII here). */
const HOME: Vertical = {
  id: "home_improvement",
  name: "Home improvement",
  fields: [
    { name: "zip", type: "zip", pii: false, required: true },
    { name: "city", type: "string", pii: false, required: false, max_length: 100 },
    { name: "state", type: "state", pii: false, required: true },
    { name: "project", type: "enum", pii: false, required: true, values: ["windows", "roofing"] },
    { name: "home_owner", type: "boolean", pii: false, required: true },
    { name: "ip_address", type: "string", pii: false, required: true, max_length: 45 },
    { name: "user_agent", type: "string", pii: false, required: true, max_length: 500 },
    { name: "landing_page_url", type: "string", pii: false, required: true, max_length: 500 },
    { name: "session_length", type: "integer", pii: false, required: true, min: 0, max: 86400 },
    { name: "first_name", type: "string", pii: true, required: true, max_length: 100 },
    { name: "last_name", type: "string", pii: true, required: true, max_length: 100 },
    { name: "phone", type: "phone", pii: true, required: true },
    { name: "email", type: "email", pii: true, required: true },
    { name: "street_address", type: "string", pii: true, required: false, max_length: 200 },
  ],
};
const PING = {
  zip: "10001",
  city: "New York",
  state: "NY",
  project: "windows",
  home_owner: true,
  ip_address: "203.0.113.7",
  user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
  landing_page_url: "https://quotes.example.com/windows",
  session_length: 38,
};
const CONTACT = {
  first_name: "Jordan",
  last_name: "Rivera",
  phone: "2125550147",
  email: "jordan.rivera@example.com",
  street_address: "1 Elm Street",
};
const PII_VALUES = ["Jordan", "Rivera", "2125550147", "jordan.rivera", "Elm Street"];
const TCPA = "By clicking Get My Quote I agree to be contacted by Acme Windows by phone and text.";
const CERT = "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567";

interface Platform {
  peer: Peer;
  campaign: Omit<Campaign, "id" | "buyer_id" | "vertical" | "name" | "status" | "filters" | "pricing">;
}

/** One exchange with one realtime campaign (buyer `buyer`), its Jornaya service, and one live source. */
async function exchangeFor(
  platform: Platform,
  jornaya: JornayaService,
  extra: Partial<Campaign> = {},
  vertical: Vertical = HOME,
  /** Campaigns beside the platform's; the farm's one buyer, `farm` ($1 bids), may have one. */
  others: (farm: BuyerFarm) => Campaign[] = () => [],
): Promise<Harness> {
  // The harness always starts a simulated buyer farm; its one buyer is in no campaign unless `others` names it. It runs
  // in this process, as the platforms' buyers do: a child process of its own would cost about 1 s of CPU per exchange.
  return startHarness(
    [bidder("farm", 1)],
    (farm) =>
      ({
        verticals: [vertical],
        sources: [
          testSource({
            id: "src-web-7",
            payout: { model: "revenue_share", percent: 80 },
            // A seller on LeadsPedia's side posts to campaign 105 (test/peers/leadspedia-seller.ts).
            inbound: { campaigns: { "105": vertical.id } },
          }),
        ],
        buyers: [
          { id: "buyer", name: "buyer", status: "active" },
          { id: "farm", name: "farm", status: "active" },
        ],
        campaigns: [
          ...others(farm),
          {
            id: "campaign",
            buyer_id: "buyer",
            vertical: vertical.id,
            name: "platform campaign",
            status: "active",
            filters: [],
            pricing: { type: "realtime" },
            ...platform.campaign,
            ...extra,
          },
        ],
        consent_providers: {
          jornaya: { account_code: jornaya.accountCode, endpoint: jornaya.authenticateUrl },
          trustedform: { api_key: trustedform.apiKey, base_url: trustedform.url },
        },
      }) satisfies ConfigFile,
    { farm: "in-process" },
  );
}

async function ping(h: Harness, extra: Record<string, unknown> = {}) {
  const reply = await h.call("/v1/ping", { vertical: HOME.id, lead: PING, ...extra });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body as { ping_id: string; status: string; price: number };
}

async function post(h: Harness, pingId: string, consent: Record<string, string>) {
  const reply = await h.call("/v1/post", { ping_id: pingId, lead: { ...PING, ...CONTACT }, consent });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body as { lead_id: string; status: string; price: number; reason?: string };
}

async function pingOutcome(h: Harness, pingId: string) {
  return lineOf((await pingWithTrace(h, pingId)).trace, "ping", "campaign");
}

/** The ping a peer received carries no personal data and no consent proof. */
function assertCleanPing(request: ReceivedRequest | undefined) {
  assert.ok(request, "the buyer was pinged");
  const text = decodeURIComponent(request.url + request.body).replaceAll("+", " ");
  for (const value of [...PII_VALUES, CERT, "Jornaya"])
    assert.ok(!text.includes(value), `ping carries ${value}: ${text}`);
  assert.ok(!/trusted_?form|leadid|jornaya/i.test(text), `ping carries consent: ${text}`);
}

let jornaya: JornayaService;
let trustedform: TrustedFormService;
describe("presets", () => {
  before(async () => {
    jornaya = await startJornayaService();
    trustedform = await startTrustedFormService();
  });
  after(async () => {
    await jornaya.stop();
    await trustedform.stop();
  });

  describe("boberdoo preset against a boberdoo buyer written from its spec", () => {
    let buyer: BoberdooBuyer;
    let h: Harness;
    before(async () => {
      buyer = await startBoberdooBuyer({
        key: "KEY-123",
        leadType: "21",
        src: "GavelExchange",
        required: {
          ping: ["Zip", "State", "IP_Address"],
          post: ["Zip", "First_Name", "Last_Name", "Primary_Phone", "Email", "Trusted_Form_URL"],
        },
        bid: 12.5,
      });
      const url = `${buyer.url}/new_api/api.php`;
      h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url, timeout_ms: 2000 },
            post: { url, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "boberdoo",
              params: { key: "KEY-123", src: "GavelExchange", lead_type: "21" },
              field_map: { project: "Project", home_owner: "Homeowner" },
              value_map: { project: { windows: "Windows" } },
            },
          },
        },
        jornaya,
      );
    });
    after(async () => {
      await h?.close();
      await buyer?.stop();
    });

    test("the ping gets a Matched bid; the post echoes Lead_ID with the consent proof and is inserted", async () => {
      const pinged = await ping(h);
      assert.equal(pinged.status, "bid");
      assert.equal(pinged.price, 10);
      const pingRequest = buyer.received().at(-1);
      assertCleanPing(pingRequest);
      const pingFields = formFields(pingRequest!.body);
      assert.equal(pingFields.Return_Best_Price, "1");
      assert.equal(pingFields.Sub_ID, "src-web-7");
      assert.equal(pingFields.Homeowner, "Yes");
      assert.equal(pingFields.Project, "Windows");

      const token = jornaya.issue();
      const sold = await post(h, pinged.ping_id, {
        trustedform_cert_url: CERT,
        jornaya_leadid: token,
        tcpa_text: TCPA,
      });
      assert.equal(sold.status, "sold", JSON.stringify(sold));
      const [leadId, fields] = [...buyer.inserted.entries()].at(-1)!;
      assert.equal(fields.Lead_ID, leadId);
      assert.equal(fields.Trusted_Form_URL, CERT);
      assert.equal(fields.LeadiD_Token, token);
      assert.equal(fields.TCPA_Language, TCPA);
      assert.equal(fields.Primary_Phone, "2125550147");
    });

    test("Unmatched is a decline; an Error answered with HTTP 200 is the buyer's error, with boberdoo's text", async () => {
      buyer.set({ bid: null });
      const declined = await ping(h);
      assert.equal(declined.status, "no_bid");
      assert.equal((await pingOutcome(h, declined.ping_id)).outcome, "no_bid");

      buyer.set({ bid: 12.5, required: { ping: ["Zip", "State", "IP_Address", "Credit_Rating"], post: [] } });
      const errored = await ping(h);
      const line = await pingOutcome(h, errored.ping_id);
      assert.equal(line.outcome, "buyer_error");
      assert.match(line.detail ?? "", /Insert Error #8: Required value for field "Credit_Rating" missing/);
      buyer.set({ required: { ping: ["Zip", "State", "IP_Address"], post: ["Trusted_Form_URL"] } });
    });

    test("a test lead carries Test_Lead=1 and is not inserted", async () => {
      const before = buyer.inserted.size;
      const pinged = await ping(h, { test: true });
      assert.equal(pinged.status, "bid");
      assert.equal(formFields(buyer.received().at(-1)!.body).Test_Lead, "1");
      const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT });
      assert.equal(sold.status, "sold");
      assert.equal(formFields(buyer.received().at(-1)!.body).Test_Lead, "1");
      assert.equal(buyer.inserted.size, before);
    });
  });

  describe("LeadsPedia preset against a LeadsPedia campaign written from its spec", () => {
    let buyer: LeadsPediaBuyer;
    let h: Harness;
    before(async () => {
      buyer = await startLeadsPediaBuyer({
        campaignId: "12",
        campaignKey: "Xy7pQ2",
        required: {
          ping: ["zip_code", "state", "ip_address"],
          post: ["first_name", "last_name", "phone_home", "email_address"],
        },
        bid: 20,
        requireConsent: true,
      });
      h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url: `${buyer.url}/ping.do`, timeout_ms: 2000 },
            post: { url: `${buyer.url}/post.do`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "leadspedia",
              params: { campaign_id: "12", campaign_key: "Xy7pQ2" },
              field_map: { home_owner: "homeowner" },
            },
          },
        },
        jornaya,
      );
    });
    after(async () => {
      await h?.close();
      await buyer?.stop();
    });

    test("the ping gets a price and ping_id; the post echoes lp_ping_id with the consent proof", async () => {
      const pinged = await ping(h);
      assert.equal(pinged.status, "bid", JSON.stringify(pinged));
      const pingRequest = buyer.received().at(-1);
      assertCleanPing(pingRequest);
      const pingFields = formFields(pingRequest!.body);
      assert.equal(pingFields.lp_s1, "src-web-7");
      assert.equal(pingFields.zip_code, "10001");
      assert.equal(pingFields.homeowner, "Yes");

      const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT, tcpa_text: TCPA });
      assert.equal(sold.status, "sold", JSON.stringify(sold));
      const fields = [...buyer.inserted.values()].at(-1)!;
      assert.equal(fields.lp_ping_id, formFields(buyer.received().at(-1)!.body).lp_ping_id);
      assert.equal(fields.trusted_form_cert_id, CERT);
      assert.equal(fields.tcpa_text, TCPA);
      assert.equal(fields.phone_home, "2125550147");
      assert.equal(fields.email_address, "jordan.rivera@example.com");
    });

    test("the post's redirect_url reaches the seller's answer (native and LeadsPedia-shaped); the trace keeps its page", async () => {
      const pinged = await ping(h);
      const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT });
      assert.equal(sold.status, "sold", JSON.stringify(sold));
      const leadId = [...buyer.inserted.keys()].at(-1)!;
      const redirect = (sold as { redirect_url?: string }).redirect_url ?? "";
      assert.match(redirect, new RegExp(`^https://buyer\\.example/thanks\\?lead=${leadId}&zip=10001$`));
      const line = lineOf((await pingWithTrace(h, pinged.ping_id)).trace, "post", "campaign");
      assert.match(line.detail ?? "", /redirect_url https:\/\/buyer\.example\/thanks\?…/);
      assert.doesNotMatch(line.detail ?? "", /zip=/, "the trace keeps the page, not the buyer's query");

      // A seller integrated with LeadsPedia, posting to Gavel's post.do, gets it where LeadsPedia puts it.
      const seller = new LeadsPediaSeller({
        baseUrl: h.gavel.url,
        campaignId: "105",
        campaignKey: SOURCE_KEY,
      });
      const fields = {
        zip_code: "10001",
        city: "New York",
        state: "NY",
        project: "windows",
        home_owner: "Yes",
        ip_address: PING.ip_address,
        user_agent: PING.user_agent,
        landing_page_url: PING.landing_page_url,
        session_length: "38",
      };
      const sellerPing = await seller.ping(fields);
      assert.equal(sellerPing.result, "success", JSON.stringify(sellerPing.raw));
      const sellerPost = await seller.post(String(sellerPing.ping_id), {
        ...fields,
        first_name: "Sam",
        last_name: "Okafor",
        phone_home: "2125550188",
        email_address: "sam.okafor@example.com",
        trusted_form_cert_id: CERT,
      });
      assert.equal(sellerPost.result, "success", JSON.stringify(sellerPost.raw));
      assert.match(String(sellerPost.raw.redirect_url), /^https:\/\/buyer\.example\/thanks\?lead=/);
    });

    test("No Match is a decline with LeadsPedia's reason from errors[].error", async () => {
      buyer.set({ bid: null });
      const declined = await ping(h);
      const line = await pingOutcome(h, declined.ping_id);
      assert.equal(line.outcome, "no_bid");
      assert.equal(line.detail, "No Match");
      buyer.set({ bid: 20 });
    });

    test("a test lead carries lp_test=1 and is not inserted", async () => {
      const before = buyer.inserted.size;
      const pinged = await ping(h, { test: true });
      assert.equal(formFields(buyer.received().at(-1)!.body).lp_test, "1");
      assert.equal((await post(h, pinged.ping_id, { trustedform_cert_url: CERT })).status, "sold");
      assert.equal(buyer.inserted.size, before);
    });
  });

  describe("Lead Prosper preset against a Lead Prosper campaign written from its spec", () => {
    let buyer: LeadProsperBuyer;
    let h: Harness;
    before(async () => {
      const contextFields = ["ip_address", "user_agent", "landing_page", "tcpa_text"];
      buyer = await startLeadProsperBuyer({
        campaignId: "7001",
        supplierId: "88",
        key: "lpk_abc",
        required: {
          ping: ["zip_code", "state", ...contextFields],
          post: ["first_name", "last_name", "phone", "email", ...contextFields, "trusted_form_cert_url"],
        },
        bids: [31.25],
      });
      h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url: `${buyer.url}/ping`, timeout_ms: 2000 },
            post: { url: `${buyer.url}/post`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "lead_prosper",
              params: { campaign_id: "7001", supplier_id: "88", key: "lpk_abc", tcpa_text: TCPA },
            },
          },
        },
        jornaya,
        { consent_requirement: "jornaya" },
      );
    });
    after(async () => {
      await h?.close();
      await buyer?.stop();
    });

    test("bids[].payout is the bid; the post echoes lp_ping_id and the bid_id; an authentic LeadiD sells", async () => {
      const pinged = await ping(h);
      assert.equal(pinged.status, "bid", JSON.stringify(pinged));
      assert.equal(pinged.price, 25);
      const pingRequest = buyer.received().at(-1)!;
      assertCleanPing(pingRequest);
      const pingBody = JSON.parse(pingRequest.body);
      assert.equal(pingBody.lp_subid1, "src-web-7");
      assert.equal(pingBody.tcpa_text, TCPA, "the form's consent language, as the campaign asked");

      const token = jornaya.issue();
      const sold = await post(h, pinged.ping_id, {
        trustedform_cert_url: CERT,
        jornaya_leadid: token,
        tcpa_text: TCPA,
      });
      assert.equal(sold.status, "sold", JSON.stringify(sold));
      const body = [...buyer.inserted.values()].at(-1)!;
      assert.match(String(body.lp_ping_id), /^ping-/);
      assert.match(String(body.bid_id), /^bid-/);
      assert.equal(body.jornaya_lead_id, token);
      assert.equal(body.trusted_form_cert_url, CERT);
    });

    test("an inauthentic LeadiD fails the campaign's Jornaya requirement: the lead is never posted", async () => {
      const posts = buyer.received().length + 1;
      const pinged = await ping(h);
      const unsold = await post(h, pinged.ping_id, {
        trustedform_cert_url: CERT,
        jornaya_leadid: "6D4B2A10-0000-4000-8000-0000000000AA",
      });
      assert.equal(unsold.status, "unsold");
      assert.equal(buyer.received().length, posts, "only the ping reached the buyer");
    });

    test("an empty bids[] is a decline; ERROR is the buyer's error; DUPLICATED is a duplicate", async () => {
      buyer.set({ bids: [] });
      assert.equal((await pingOutcome(h, (await ping(h)).ping_id)).outcome, "no_bid");
      buyer.set({ bids: [31.25], key: "rotated" });
      const errored = await pingOutcome(h, (await ping(h)).ping_id);
      assert.equal(errored.outcome, "buyer_error");
      assert.match(errored.detail ?? "", /Invalid lp_campaign_id, lp_supplier_id or lp_key/);
      buyer.set({ key: "lpk_abc" });
      // The phone of the lead sold above again: Lead Prosper answers DUPLICATED.
      const again = await ping(h);
      const duplicate = await post(h, again.ping_id, {
        trustedform_cert_url: CERT,
        jornaya_leadid: jornaya.issue(),
      });
      assert.equal(duplicate.status, "unsold");
      const trace = (await pingWithTrace(h, again.ping_id)).trace;
      const line = lineOf(trace, "post", "campaign");
      assert.equal(line.outcome, "post_duplicate");
      assert.equal(line.detail, "Duplicate lead");
    });
  });

  describe("a masked TrustedForm certificate on a Lead Prosper ping, only where the campaign asks", () => {
    const PING_URL = "https://ping.trustedform.com/0123456789abcdef0123456789abcdef01234567?signature=f00d";
    async function campaignWith(params: Record<string, string>, requiredOnPing: string[]) {
      const buyer = await startLeadProsperBuyer({
        campaignId: "7001",
        supplierId: "88",
        key: "lpk_abc",
        required: { ping: ["zip_code", ...requiredOnPing], post: ["phone", "trusted_form_cert_url"] },
        bids: [30],
      });
      const h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url: `${buyer.url}/ping`, timeout_ms: 2000 },
            post: { url: `${buyer.url}/post`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "lead_prosper",
              params: { campaign_id: "7001", supplier_id: "88", key: "lpk_abc", ...params },
            },
          },
        },
        jornaya,
      );
      return { buyer, h };
    }

    test("by default the ping carries no certificate, even when the seller sent one in the context", async () => {
      const { buyer, h } = await campaignWith({}, []);
      try {
        const pinged = await ping(h, { context: { trustedform_ping_url: PING_URL } });
        assert.equal(pinged.status, "bid", JSON.stringify(pinged));
        const request = buyer.received().at(-1)!;
        assertCleanPing(request);
        assert.ok(!request.body.includes("ping.trustedform.com"), request.body);
        assert.doesNotMatch((await pingOutcome(h, pinged.ping_id)).detail ?? "", /context sent/);
      } finally {
        await h.close();
        await buyer.stop();
      }
    });

    test("ping_certificate_field sends the masked certificate there, says so in the trace; the post has the full one", async () => {
      const { buyer, h } = await campaignWith({ ping_certificate_field: "trustedform_cert_url" }, [
        "trustedform_cert_url",
      ]);
      try {
        const pinged = await ping(h, { context: { trustedform_ping_url: PING_URL } });
        assert.equal(pinged.status, "bid", JSON.stringify(pinged));
        const pingBody = JSON.parse(buyer.received().at(-1)!.body);
        assert.equal(pingBody.trustedform_cert_url, PING_URL);
        assert.match(
          (await pingOutcome(h, pinged.ping_id)).detail ?? "",
          /context sent: trustedform_ping_url/,
        );
        const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT });
        assert.equal(sold.status, "sold", JSON.stringify(sold));
        assert.equal([...buyer.inserted.values()].at(-1)!.trusted_form_cert_url, CERT);

        // No masked certificate from the seller: the campaign's required field is missing, and Lead Prosper says so.
        const without = await pingOutcome(h, (await ping(h)).ping_id);
        assert.equal(without.outcome, "buyer_error");
        assert.match(without.detail ?? "", /Missing required parameter trustedform_cert_url/);
      } finally {
        await h.close();
        await buyer.stop();
      }
    });

    test("a ping URL that is not an http(s) URL is refused, naming the field", async () => {
      const { buyer, h } = await campaignWith({}, []);
      try {
        const reply = await h.call("/v1/ping", {
          vertical: HOME.id,
          lead: PING,
          context: { trustedform_ping_url: "javascript:alert(1)" },
        });
        assert.equal(reply.status, 400, JSON.stringify(reply.body));
        assert.equal(reply.body.error.field, "context.trustedform_ping_url");
      } finally {
        await h.close();
        await buyer.stop();
      }
    });
  });

  describe("a campaign requiring TrustedForm with one-to-one consent, against TrustedForm v4 written from its spec", () => {
    let buyer: LeadsPediaBuyer;
    let h: Harness;
    before(async () => {
      buyer = await startLeadsPediaBuyer({
        campaignId: "12",
        campaignKey: "Xy7pQ2",
        required: { ping: ["zip_code"], post: ["phone_home"] },
        bid: 20,
        requireConsent: true,
      });
      h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url: `${buyer.url}/ping.do`, timeout_ms: 2000 },
            post: { url: `${buyer.url}/post.do`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "leadspedia",
              params: { campaign_id: "12", campaign_key: "Xy7pQ2" },
            },
          },
        },
        jornaya,
        { consent_requirement: "trustedform", trustedform_advertiser_name: "Acme Windows LLC" },
      );
    });
    after(async () => {
      await h?.close();
      await buyer?.stop();
    });

    const consumer = { email: CONTACT.email, phone: CONTACT.phone, language: TCPA };

    test("a matching certificate with one-to-one consent for the buyer is retained (vendor: the source) and sold", async () => {
      const cert = trustedform.issue({ ...consumer, oneToOne: ["ACME  Windows LLC"] });
      const posts = buyer.inserted.size;
      const sold = await post(h, (await ping(h)).ping_id, { trustedform_cert_url: cert, tcpa_text: TCPA });
      assert.equal(sold.status, "sold", JSON.stringify(sold));
      assert.equal(buyer.inserted.size, posts + 1);
      assert.equal([...buyer.inserted.values()].at(-1)!.trusted_form_cert_id, cert);
      const { body } = trustedform.bodies().at(-1)!;
      assert.deepEqual(body.match_lead, { email: CONTACT.email, phone: CONTACT.phone });
      assert.equal((body.retain as Record<string, unknown>).vendor, "Main source");
      assert.deepEqual(body.verify, { advertiser_name: "Acme Windows LLC" });
      assert.equal(body.insights, undefined, "Insights is billed apart: not asked unless configured");
    });

    test("a certificate for another consumer, or without one-to-one consent for this buyer, is never posted", async () => {
      const posts = buyer.received().filter((request) => request.url === "/post.do").length;
      const someoneElse = trustedform.issue({
        email: "someone@example.com",
        phone: "3105550100",
        oneToOne: ["Acme Windows LLC"],
      });
      const first = await ping(h);
      assert.equal((await post(h, first.ping_id, { trustedform_cert_url: someoneElse })).status, "unsold");
      const line = lineOf((await pingWithTrace(h, first.ping_id)).trace, "post", "campaign");
      assert.equal(line.outcome, "consent_failed");

      const sharedConsent = trustedform.issue({ ...consumer, oneToOne: ["Another Advertiser"] });
      const second = await ping(h);
      assert.equal((await post(h, second.ping_id, { trustedform_cert_url: sharedConsent })).status, "unsold");
      const refused = lineOf((await pingWithTrace(h, second.ping_id)).trace, "post", "campaign");
      assert.equal(refused.outcome, "consent_failed");
      assert.match(
        refused.detail ?? "",
        /trustedform: invalid/,
        "the certificate holds no one-to-one consent for Acme",
      );
      assert.equal(buyer.received().filter((request) => request.url === "/post.do").length, posts);
    });
  });

  describe("multi-bid replies: Lead Prosper's bids[] and PX's Legs, one bid per buyer", () => {
    const LP_PARAMS = { campaign_id: "7001", supplier_id: "88", key: "lpk_abc" };
    async function leadProsperShared(bids: number[]) {
      return startLeadProsperBuyer({
        campaignId: "7001",
        supplierId: "88",
        key: "lpk_abc",
        required: { ping: ["zip_code"], post: ["phone"] },
        bids,
        leadType: "shared",
      });
    }
    function leadProsperCampaign(buyer: Peer): Platform {
      return {
        peer: buyer,
        campaign: {
          ping: { url: `${buyer.url}/ping`, timeout_ms: 2000 },
          post: { url: `${buyer.url}/post`, timeout_ms: 3000 },
          integration: { type: "preset", preset: "lead_prosper", params: LP_PARAMS },
        },
      };
    }

    test("an exclusive vertical takes the best of a shared campaign's unordered bids and names its bid_id on the post", async () => {
      const buyer = await leadProsperShared([12, 31.25, 20]);
      const h = await exchangeFor(leadProsperCampaign(buyer), jornaya);
      try {
        const pinged = await ping(h);
        assert.equal(pinged.status, "bid", JSON.stringify(pinged));
        assert.equal(pinged.price, 25, "31.25 (the best of three) at the source's 80%");
        const line = await pingOutcome(h, pinged.ping_id);
        assert.match(line.detail ?? "", /took bid bid-\d+ at 31\.25, the best of 3 usable bids in the reply/);
        const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT });
        assert.equal(sold.status, "sold", JSON.stringify(sold));
        const posts = buyer.received().filter((request) => request.url === "/post");
        assert.equal(posts.length, 1, "one post: the lead is sold to this buyer once");
        const body = JSON.parse(posts[0]!.body);
        const postLine = lineOf((await pingWithTrace(h, pinged.ping_id)).trace, "post", "campaign");
        assert.match(postLine.detail ?? "", /post price 31\.25/, "Lead Prosper's payout for the bid named");
        assert.equal(line.detail?.match(/took bid (bid-\d+)/)?.[1], body.bid_id);
      } finally {
        await h.close();
        await buyer.stop();
      }
    });

    test("a best bid above the campaign's max price gives way to the next one, whose bid_id the post names", async () => {
      const buyer = await leadProsperShared([12, 31.25, 20]);
      const h = await exchangeFor(leadProsperCampaign(buyer), jornaya, {
        pricing: { type: "realtime", max_price: 30 },
      });
      try {
        const pinged = await ping(h);
        assert.equal(pinged.status, "bid", JSON.stringify(pinged));
        assert.equal(pinged.price, 16, "20 at 80%");
        const line = await pingOutcome(h, pinged.ping_id);
        assert.match(
          line.detail ?? "",
          /took bid bid-\d+ at 20\.00, the best of 3 usable bids in the reply \(the best: above_max_price/,
        );
        assert.equal((await post(h, pinged.ping_id, { trustedform_cert_url: CERT })).status, "sold");
        const postLine = lineOf((await pingWithTrace(h, pinged.ping_id)).trace, "post", "campaign");
        assert.match(postLine.detail ?? "", /post price 20\.00/);
      } finally {
        await h.close();
        await buyer.stop();
      }
    });

    test("a shared vertical sells to Lead Prosper once (one bid_id) beside another buyer", async () => {
      const SHARED: Vertical = {
        ...HOME,
        id: "home_shared",
        routing: { mode: "highest_bid", max_buyers: 3 },
      };
      const buyer = await leadProsperShared([12, 31.25, 20]);
      const h = await exchangeFor(leadProsperCampaign(buyer), jornaya, {}, SHARED, (farm) => [
        // The platforms' timeouts, not the farm default's 300 ms: the farm shares this process's event loop.
        realtimeCampaign(farm, "farm", {
          vertical: SHARED.id,
          ping: { url: farm.buyers["farm"]!.ping, timeout_ms: 2000 },
        }),
      ]);
      try {
        const reply = await h.call("/v1/ping", { vertical: SHARED.id, lead: PING });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.equal(reply.body.status, "bid", JSON.stringify(reply.body));
        const sold = await h.call("/v1/post", {
          ping_id: reply.body.ping_id,
          lead: { ...PING, ...CONTACT },
          consent: { trustedform_cert_url: CERT },
        });
        assert.equal(sold.status, 200, JSON.stringify(sold.body));
        assert.equal(sold.body.status, "sold", JSON.stringify(sold.body));
        const trace = (await pingWithTrace(h, reply.body.ping_id)).trace;
        assert.equal(lineOf(trace, "post", "campaign").outcome, "post_accepted");
        assert.equal(lineOf(trace, "post", "farm").outcome, "post_accepted");
        const posts = buyer.received().filter((request) => request.url === "/post");
        assert.equal(posts.length, 1, "Lead Prosper is posted once, naming one bid");
        assert.equal(typeof JSON.parse(posts[0]!.body).bid_id, "string");
      } finally {
        await h.close();
        await buyer.stop();
      }
    });

    test("PX's full-shared Legs: the best successful leg is the bid; the post carries the TransactionId only", async () => {
      const px = await startPxBuyer({
        apiToken: "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C",
        vertical: "HomeImprovement",
        payout: null,
        requireJornaya: false,
        legs: [12.34, null, 34.56],
      });
      const h = await exchangeFor(
        {
          peer: px,
          campaign: {
            ping: { url: `${px.url}/api/lead/ping`, timeout_ms: 2000 },
            post: { url: `${px.url}/api/lead/post`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "px",
              params: {
                api_token: "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C",
                vertical: "HomeImprovement",
                source: "Search",
                original_url: "https://quotes.example.com/windows",
                tcpa_text: TCPA,
              },
            },
          },
        },
        jornaya,
      );
      try {
        const pinged = await ping(h);
        assert.equal(pinged.status, "bid", JSON.stringify(pinged));
        assert.equal(pinged.price, 27.64, "34.56 at 80% (rounded down), not the legs' sum");
        const line = await pingOutcome(h, pinged.ping_id);
        assert.match(line.detail ?? "", /at 34\.56, the best of 2 usable bids in the reply/);
        const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT });
        assert.equal(sold.status, "sold", JSON.stringify(sold));
        const [transactionId, body] = [...px.posted.entries()].at(-1)!;
        assert.equal(body.TransactionId, transactionId);
        const postLine = lineOf((await pingWithTrace(h, pinged.ping_id)).trace, "post", "campaign");
        assert.match(postLine.detail ?? "", /post price 46\.90/, "PX's stated payout recorded, not charged");

        px.set({ legs: [null, null] });
        const declined = await pingOutcome(h, (await ping(h)).ping_id);
        assert.equal(declined.outcome, "no_bid");
      } finally {
        await h.close();
        await px.stop();
      }
    });
  });

  describe("PX preset against PX's API 2.0 written from its spec", () => {
    let buyer: PxBuyer;
    let h: Harness;
    before(async () => {
      buyer = await startPxBuyer({
        apiToken: "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C",
        vertical: "HomeImprovement",
        payout: 8.5,
        requireJornaya: false,
      });
      h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url: `${buyer.url}/api/lead/ping`, timeout_ms: 2000 },
            post: { url: `${buyer.url}/api/lead/post`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "px",
              params: {
                api_token: "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C",
                vertical: "HomeImprovement",
                source: "Search",
                original_url: "https://quotes.example.com/windows",
                tcpa_text: TCPA,
              },
              field_map: { project: "ProjectType", home_owner: "HomeOwner" },
            },
          },
        },
        jornaya,
      );
    });
    after(async () => {
      await h?.close();
      await buyer?.stop();
    });

    test("the nested envelope is accepted; Payout is the bid; the post echoes TransactionId with the consent proof", async () => {
      const pinged = await ping(h);
      assert.equal(pinged.status, "bid", JSON.stringify(pinged));
      assert.equal(pinged.price, 6.8);
      const pingRequest = buyer.received().at(-1)!;
      assertCleanPing(pingRequest);
      const pingBody = JSON.parse(pingRequest.body);
      assert.deepEqual(pingBody.ContactData, {
        ZipCode: "10001",
        City: "New York",
        State: "NY",
        IpAddress: "203.0.113.7",
      });
      assert.equal(pingBody.SubId, "src-web-7");
      assert.equal(pingBody.HomeOwner, true);

      const token = jornaya.issue();
      const sold = await post(h, pinged.ping_id, { trustedform_cert_url: CERT, jornaya_leadid: token });
      assert.equal(sold.status, "sold", JSON.stringify(sold));
      const postLine = lineOf((await pingWithTrace(h, pinged.ping_id)).trace, "post", "campaign");
      assert.match(postLine.detail ?? "", /post price 8\.50/, "PX's stated payout is recorded in the trace");
      const [transactionId, body] = [...buyer.posted.entries()].at(-1)!;
      assert.equal(body.TransactionId, transactionId);
      assert.equal(body.TrustedForm, CERT);
      assert.equal(body.JornayaLeadId, token);
      assert.equal(body.TcpaText, TCPA, "the form's TCPA text when the seller sent none");
      assert.equal((body.ContactData as Record<string, unknown>).PhoneNumber, "2125550147");
    });

    test("Unable to monetize is a decline; BadRequest is the buyer's error with PX's first error", async () => {
      buyer.set({ payout: null });
      const declined = await pingOutcome(h, (await ping(h)).ping_id);
      assert.equal(declined.outcome, "no_bid");
      assert.equal(declined.detail, "Unable to monetize");
      buyer.set({ payout: 8.5, requireJornaya: true });
      const errored = await pingOutcome(h, (await ping(h)).ping_id);
      assert.equal(errored.outcome, "buyer_error");
      assert.match(errored.detail ?? "", /'JornayaLeadId' must not be empty\./);
      buyer.set({ requireJornaya: false });
    });

    test("PX has no test flag: a test lead never reaches a live PX campaign", async () => {
      const before = buyer.received().length;
      const pinged = await ping(h, { test: true });
      assert.equal(pinged.status, "no_bid");
      assert.equal((await pingOutcome(h, pinged.ping_id)).outcome, "no_test_flag");
      assert.equal(buyer.received().length, before);
    });
  });

  describe("PX preset with the visit in the seller's lead context (a vertical without visit fields)", () => {
    const visitFields = new Set(["ip_address", "user_agent", "landing_page_url"]);
    const PLAIN: Vertical = {
      ...HOME,
      id: "home_plain",
      fields: HOME.fields.filter((field) => !visitFields.has(field.name)),
    };
    const plainPing = Object.fromEntries(Object.entries(PING).filter(([name]) => !visitFields.has(name)));
    const visit = {
      ip_address: "198.51.100.23",
      user_agent: "Mozilla/5.0 (X11; Linux x86_64) ContextAgent/1.0",
      landing_page_url: "https://quotes.example.com/windows?from=context",
    };
    let buyer: PxBuyer;
    let h: Harness;
    before(async () => {
      buyer = await startPxBuyer({
        apiToken: "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C",
        vertical: "HomeImprovement",
        payout: 8.5,
        requireJornaya: false,
      });
      h = await exchangeFor(
        {
          peer: buyer,
          campaign: {
            ping: { url: `${buyer.url}/api/lead/ping`, timeout_ms: 2000 },
            post: { url: `${buyer.url}/api/lead/post`, timeout_ms: 3000 },
            integration: {
              type: "preset",
              preset: "px",
              params: {
                api_token: "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C",
                vertical: "HomeImprovement",
                source: "Search",
                original_url: "https://quotes.example.com/windows",
                tcpa_text: TCPA,
              },
            },
          },
        },
        jornaya,
        {},
        PLAIN,
      );
    });
    after(async () => {
      await h?.close();
      await buyer?.stop();
    });

    test("PX's ping takes IpAddress, UserAgent and OriginalUrl from the context, and the trace says they went out", async () => {
      const reply = await h.call("/v1/ping", { vertical: PLAIN.id, lead: plainPing, context: visit });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.status, "bid", JSON.stringify(reply.body));
      const pingBody = JSON.parse(buyer.received().at(-1)!.body);
      assert.equal(pingBody.ContactData.IpAddress, visit.ip_address);
      assert.equal(pingBody.UserAgent, visit.user_agent);
      assert.equal(pingBody.OriginalUrl, visit.landing_page_url);
      const line = await pingOutcome(h, reply.body.ping_id);
      assert.match(line.detail ?? "", /context sent: ip_address, user_agent, landing_page_url/);

      const sold = await h.call("/v1/post", {
        ping_id: reply.body.ping_id,
        lead: { ...plainPing, ...CONTACT },
        consent: { trustedform_cert_url: CERT },
        context: visit,
      });
      assert.equal(sold.status, 200, JSON.stringify(sold.body));
      assert.equal(sold.body.status, "sold", JSON.stringify(sold.body));
      const [, body] = [...buyer.posted.entries()].at(-1)!;
      assert.equal((body.ContactData as Record<string, unknown>).IpAddress, visit.ip_address);
      assert.equal(body.UserAgent, visit.user_agent);
    });

    test("sellers on boberdoo, LeadsPedia and Lead Prosper: their IP, user agent and landing page reach PX's ping as the lead context", async () => {
      const agents = {
        boberdoo: "Mozilla/5.0 BoberdooSeller/1.0",
        leadspedia: "Mozilla/5.0 LeadsPediaSeller/1.0",
        lead_prosper: "Mozilla/5.0 LeadProsperSeller/1.0",
      };
      const common = { project: "windows", home_owner: "Yes", session_length: "38" };
      const boberdoo = await new BoberdooSeller({
        baseUrl: h.gavel.url,
        key: SOURCE_KEY,
        leadType: "105",
      }).ping({
        Zip: "10001",
        State: "NY",
        ...common,
        IP_Address: "198.51.100.31",
        User_Agent: agents.boberdoo,
        Landing_Page: "https://quotes.example.com/b",
      });
      assert.equal(boberdoo.status, "Matched", JSON.stringify(boberdoo));
      let pinged = JSON.parse(buyer.received().at(-1)!.body);
      assert.deepEqual(
        [pinged.ContactData.IpAddress, pinged.UserAgent, pinged.OriginalUrl],
        ["198.51.100.31", agents.boberdoo, "https://quotes.example.com/b"],
      );

      const leadspedia = await new LeadsPediaSeller({
        baseUrl: h.gavel.url,
        campaignId: "105",
        campaignKey: SOURCE_KEY,
        response: "JSON",
      }).ping({
        zip_code: "10001",
        state: "NY",
        ...common,
        ip_address: "198.51.100.32",
        user_agent: agents.leadspedia,
        landing_page: "https://quotes.example.com/l",
      });
      assert.equal(leadspedia.result, "success", JSON.stringify(leadspedia.raw));
      pinged = JSON.parse(buyer.received().at(-1)!.body);
      assert.deepEqual(
        [pinged.ContactData.IpAddress, pinged.UserAgent, pinged.OriginalUrl],
        ["198.51.100.32", agents.leadspedia, "https://quotes.example.com/l"],
      );

      const leadProsper = await new LeadProsperSeller({
        baseUrl: `${h.gavel.url}/leadprosper`,
        campaignId: "105",
        supplierId: "1",
        key: SOURCE_KEY,
      }).ping({
        zip_code: "10001",
        state: "NY",
        ...common,
        ip_address: "198.51.100.33",
        user_agent: agents.lead_prosper,
        landing_page: "https://quotes.example.com/p",
      });
      assert.equal(leadProsper.status, "ACCEPTED", JSON.stringify(leadProsper));
      pinged = JSON.parse(buyer.received().at(-1)!.body);
      assert.deepEqual(
        [pinged.ContactData.IpAddress, pinged.UserAgent, pinged.OriginalUrl],
        ["198.51.100.33", agents.lead_prosper, "https://quotes.example.com/p"],
      );

      // A bad IP is refused by the context's own check, naming the seller's field.
      const bad = await new BoberdooSeller({ baseUrl: h.gavel.url, key: SOURCE_KEY, leadType: "105" }).ping({
        Zip: "10001",
        State: "NY",
        ...common,
        IP_Address: "not-an-ip",
      });
      assert.equal(bad.status, "Error");
      assert.match(bad.error ?? "", /IP_Address/);
    });

    test("without a context PX is told the form's URL and answers BadRequest for the missing visit", async () => {
      const reply = await h.call("/v1/ping", { vertical: PLAIN.id, lead: plainPing });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const pingBody = JSON.parse(buyer.received().at(-1)!.body);
      assert.equal(pingBody.OriginalUrl, "https://quotes.example.com/windows");
      assert.equal(pingBody.ContactData.IpAddress, undefined);
      const line = await pingOutcome(h, reply.body.ping_id);
      assert.equal(line.outcome, "buyer_error");
      assert.match(line.detail ?? "", /'UserAgent' must not be empty\./);
      assert.doesNotMatch(line.detail ?? "", /context sent/);
    });
  });
});
