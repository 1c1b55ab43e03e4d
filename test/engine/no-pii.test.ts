// PII never leaves in a ping (DESIGN rule 1): after a mix of pings, posts and direct posts, every request the
// simulated buyers received is scanned. Pings carry only the vertical's non-PII fields; the winner's post, and only
// the winner's, carries the consumer's contact details.
// Backend-independent: what a buyer receives is built from the request and the vertical before any storage; nothing
// asserted is read back from the store or the hot state.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import type { RecordedRequest } from "../../src/sim/buyer-farm-client.ts";
import { type GeneratedLead, generateLead, pingPart } from "../../src/sim/lead-generator.ts";
import { seededRandom } from "../../src/sim/random.ts";
import { leadWithTrace, requestIdOf, VERTICAL } from "../helpers/engine-steps.ts";
import { BACKEND, bidder, type Harness, SOURCE_KEY, startHarness } from "../helpers/exchange-harness.ts";

const EMAIL_PATTERN = /[^\s@"]+@[^\s@"]+\.[a-z]{2,}/i;
const PHONE_PATTERNS = [/(?<!\d)1?\d{10}(?!\d)/, /\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b/];

interface Sent {
  auctionId: string;
  lead: GeneratedLead;
  /** The contact-hash values sent on the ping (never to be forwarded). */
  hashes: string[];
  /** Which buyer bought it, when the full lead was posted and sold. */
  soldTo?: string;
  /** The consumer's visit the seller sent (docs/api.md "Lead context"): never on a native ping, always on the post. */
  context: { ip_address: string; user_agent: string; landing_page_url: string };
}

let h: Harness;
let piiFields: string[];
let nonPiiFields: string[];
let sent: Sent[];
let requests: RecordedRequest[];

before(async () => {
  h = await startHarness([
    bidder("alpha", 0, { price: [10, 40] }),
    bidder("bravo", 0, { price: [10, 40] }),
    bidder("charlie", 0, { price: [10, 40], noBidStates: ["TX"] }),
  ]);
  const verticals = await fetch(`${h.gavel.url}/v1/verticals`, {
    headers: { authorization: `Bearer ${SOURCE_KEY}` },
  });
  const { verticals: list } = (await verticals.json()) as {
    verticals: { id: string; fields: { name: string; pii: boolean }[] }[];
  };
  const fields = list.find((v) => v.id === VERTICAL)!.fields;
  piiFields = fields.filter((f) => f.pii).map((f) => f.name);
  nonPiiFields = fields.filter((f) => !f.pii).map((f) => f.name);
  sent = await runTraffic(h);
  requests = await h.farm.requests();
});
after(() => h?.close());

async function runTraffic(harness: Harness): Promise<Sent[]> {
  const random = seededRandom(1121);
  const results: Sent[] = [];
  for (let i = 0; i < 12; i++) {
    const lead = generateLead(VERTICAL, random);
    // Sources send phones in every format; some of them formatted.
    if (i % 2 === 0)
      lead.lead.phone = String(lead.lead.phone).replace(/^(\d{3})(\d{3})(\d{4})$/, "($1) $2-$3");
    const hashes = [
      sha256Hex(String(lead.lead.email).toLowerCase()),
      sha256Hex(String(lead.lead.phone).replace(/\D/g, "")),
    ];
    // Distinct per lead, and IPv6 on some: a ping scan must find none of them.
    const context = {
      ip_address: i % 2 === 0 ? `198.51.100.${i + 10}` : `2001:db8::${i + 10}`,
      user_agent: `Mozilla/5.0 (GavelVisit ${i})`,
      landing_page_url: `https://quotes.example.com/landing-${i}`,
    };
    if (i % 3 === 2) {
      const direct = await harness.call("/v1/leads", {
        vertical: VERTICAL,
        lead: lead.lead,
        consent: lead.consent,
        context,
      });
      assert.equal(direct.status, 200, JSON.stringify(direct.body));
      const record = await leadWithTrace(harness, direct.body.lead_id);
      results.push({
        auctionId: record.lead.auction_id,
        lead,
        hashes: [],
        soldTo: record.lead.buyer_id,
        context,
      });
      continue;
    }
    const ping = await harness.call("/v1/ping", {
      vertical: VERTICAL,
      lead: pingPart(VERTICAL, lead.lead),
      contact_hash: { email_sha256: hashes[0], phone_sha256: hashes[1] },
      context,
    });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    const entry: Sent = { auctionId: ping.body.ping_id, lead, hashes, context };
    if (i % 3 === 0 && ping.body.status === "bid") {
      const post = await harness.call("/v1/post", {
        ping_id: ping.body.ping_id,
        lead: lead.lead,
        consent: lead.consent,
        context,
      });
      assert.equal(post.status, 200, JSON.stringify(post.body));
      assert.equal(post.body.status, "sold");
      entry.soldTo = (await leadWithTrace(harness, post.body.lead_id)).lead.buyer_id;
    }
    results.push(entry);
  }
  return results;
}

/** Every PII value of a lead, in the form the source sent and in canonical form. */
function piiValues(lead: GeneratedLead): string[] {
  const values = new Set<string>();
  for (const name of piiFields) {
    const value = lead.lead[name];
    if (typeof value !== "string") continue;
    values.add(value);
    if (name === "email") values.add(value.toLowerCase());
    if (name === "phone") values.add(value.replace(/\D/g, ""));
  }
  return [...values];
}

function requestsOf(auctionId: string, kind: RecordedRequest["kind"]): RecordedRequest[] {
  return requests.filter((r) => r.kind === kind && requestIdOf(r) === auctionId);
}

describe(`[${BACKEND}] no PII in pings`, () => {
  test("the traffic reached the buyers: pings to every buyer, some posts and direct posts sold", () => {
    assert.equal(sent.length, 12);
    assert.ok(requests.filter((r) => r.kind === "ping").length >= 12 * 3 - 4);
    assert.ok(sent.filter((s) => s.soldTo).length >= 6, "enough sales to check the posts");
    for (const s of sent) assert.ok(requestsOf(s.auctionId, "ping").length > 0, `${s.auctionId} was pinged`);
  });

  test("no ping carries a PII field name, an e-mail, a phone number, or the lead's contact details", () => {
    const pings = requests.filter((r) => r.kind === "ping");
    assert.ok(pings.length > 0);
    for (const s of sent) {
      const secrets = [...piiValues(s.lead), ...s.hashes, ...Object.values(s.context)];
      for (const ping of requestsOf(s.auctionId, "ping")) {
        // The request id is a random UUID: drop it so its digits cannot look like a phone number.
        const text = ping.body.replaceAll(s.auctionId, "") + JSON.stringify(ping.headers);
        const where = `ping to ${ping.buyer} for ${s.auctionId}`;
        for (const name of piiFields) assert.equal(text.includes(name), false, `${where} names ${name}`);
        for (const name of ["context", "ip_address", "user_agent", "landing_page"])
          assert.equal(text.includes(name), false, `${where} names ${name}`);
        assert.doesNotMatch(text, EMAIL_PATTERN, where);
        for (const pattern of PHONE_PATTERNS) assert.doesNotMatch(text, pattern, where);
        for (const secret of secrets) assert.equal(text.includes(secret), false, `${where} holds ${secret}`);
      }
    }
  });

  test("a ping carries exactly the lead's non-PII fields (an allowlist, nothing dropped that a buyer needs)", () => {
    for (const s of sent) {
      for (const ping of requestsOf(s.auctionId, "ping")) {
        const { lead } = JSON.parse(ping.body) as { lead: Record<string, unknown> };
        for (const key of Object.keys(lead)) assert.ok(nonPiiFields.includes(key), `unexpected field ${key}`);
        assert.deepEqual(lead, pingPart(VERTICAL, s.lead.lead));
      }
    }
  });

  test("the winner's post carries the full lead and consent; no other buyer receives a post", () => {
    for (const s of sent) {
      const posts = requestsOf(s.auctionId, "post");
      if (!s.soldTo) {
        assert.deepEqual(posts, [], `unsold ${s.auctionId} was posted to nobody`);
        continue;
      }
      assert.deepEqual(
        posts.map((p) => p.buyer),
        [s.soldTo],
        "only the buyer that bought the lead got it",
      );
      const body = JSON.parse(posts[0]!.body) as {
        lead: Record<string, unknown>;
        consent: Record<string, unknown>;
        context: Record<string, unknown>;
      };
      const { lead } = s.lead;
      // The seller's context goes on the post: the direct post's, or the post's own after a ping.
      assert.equal(body.context.ip_address, s.context.ip_address);
      assert.equal(body.context.user_agent, s.context.user_agent);
      assert.equal(body.context.landing_page_url, s.context.landing_page_url);
      assert.equal(body.lead.first_name, lead.first_name);
      assert.equal(body.lead.last_name, lead.last_name);
      assert.equal(body.lead.email, String(lead.email).toLowerCase());
      assert.equal(
        body.lead.phone,
        String(lead.phone).replace(/\D/g, ""),
        "the phone in canonical 10-digit form",
      );
      // The detectors the ping scan relies on do find contact details where they are expected.
      assert.match(posts[0]!.body, EMAIL_PATTERN);
      assert.match(posts[0]!.body, PHONE_PATTERNS[0]!);
      assert.deepEqual(body.consent, s.lead.consent);
      for (const name of nonPiiFields) assert.equal(body.lead[name], lead[name], name);
      for (const hash of s.hashes)
        assert.equal(posts[0]!.body.includes(hash), false, "contact hashes stay with us");
    }
  });
});
