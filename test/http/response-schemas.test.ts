// Response schemas must not change what a route answers: fastify's serializer drops every property a schema does not
// declare. For the routes given schemas (src/http/lead-schemas.ts), records with every optional field set go through
// the route's schema and fastify's own serializer, and must come out as the presenters answered before the schemas
// (copied below from src/http/admin-routes.ts as it was, commit c6ee32d). The OpenAPI description shows them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TSchema } from "@sinclair/typebox";
import Fastify from "fastify";
import { REASONS } from "../../src/domain/outcomes.ts";
import type { LeadRecord, OutboxItem, OutcomeRecord, PingRecord } from "../../src/domain/records.ts";
import type { ReportRow } from "../../src/domain/report-query.ts";
import { LoginAnswerSchema, MeSchema, UserListSchema } from "../../src/http/console-schemas.ts";
import {
  LeadDetailSchema,
  LeadPageSchema,
  PingDetailSchema,
  presentLead,
  presentOutcome,
  presentPing,
} from "../../src/http/lead-schemas.ts";
import { OutboxPageSchema, presentOutboxItem } from "../../src/http/outbox-schemas.ts";
import { ReportSchema } from "../../src/http/report-schemas.ts";
import { parseReportRequest, presentReport } from "../../src/reports/report.ts";
import { soldLead, T0, unsoldLead } from "../store/lead-records.ts";

// --- What the admin API answered before the schemas (verbatim) ---
function legacyPresentLead(lead: LeadRecord) {
  const { price_cents, buyer_price_cents, shares, ...rest } = lead;
  return {
    ...rest,
    price: price_cents / 100,
    ...(buyer_price_cents === undefined ? {} : { buyer_price: buyer_price_cents / 100 }),
    ...(shares
      ? {
          shares: shares.map(({ buyer_price_cents: cents, ...share }) => ({
            ...share,
            buyer_price: cents / 100,
          })),
        }
      : {}),
    created_at: new Date(lead.created_at).toISOString(),
    ...(lead.pii_purged_at === undefined
      ? {}
      : { pii_purged_at: new Date(lead.pii_purged_at).toISOString() }),
  };
}

function legacyPresentPing(ping: PingRecord) {
  const { price_cents, bids, ...rest } = ping;
  return {
    ...rest,
    price: price_cents / 100,
    bids: bids.map(({ bid_cents, source_price_cents, expires_at, ...bid }) => ({
      ...bid,
      bid: bid_cents / 100,
      source_price: source_price_cents / 100,
      expires_at: new Date(expires_at).toISOString(),
    })),
    created_at: new Date(ping.created_at).toISOString(),
    expires_at: new Date(ping.expires_at).toISOString(),
  };
}

function legacyPresentOutcome(outcome: OutcomeRecord) {
  return {
    phase: outcome.phase,
    campaign_id: outcome.campaign_id,
    buyer_id: outcome.buyer_id,
    outcome: outcome.reason,
    code: REASONS[outcome.reason].code,
    ...(outcome.bid_cents === undefined ? {} : { bid: outcome.bid_cents / 100 }),
    ...(outcome.latency_ms === undefined ? {} : { latency_ms: outcome.latency_ms }),
    ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
    at: new Date(outcome.at).toISOString(),
  };
}

function legacyPresentOutboxItem(item: OutboxItem) {
  return {
    ...item,
    run_at: new Date(item.run_at).toISOString(),
    created_at: new Date(item.created_at).toISOString(),
    ...(item.delivered_at === undefined ? {} : { delivered_at: new Date(item.delivered_at).toISOString() }),
  };
}

// --- Records with every optional field set, and without ---
const sharedLead = soldLead("l-shared", {
  sub_id: "sub-7",
  buyer_lead_id: "their-1",
  lead: { state: "CA", zip: "90210", injury_type: "auto", nested: { kept: [1, "two", null] } },
  consent: { trustedform_cert_url: "https://cert.trustedform.com/abc", verification: { ok: true, at: 1 } },
  shares: [
    { campaign_id: "camp-b", buyer_id: "buyer-b", buyer_price_cents: 3_550, buyer_lead_id: "b-9" },
    { campaign_id: "camp-c", buyer_id: "buyer-c", buyer_price_cents: 1_000 },
  ],
  pii_purged_at: T0 + 86_400_000,
  test: true,
});
const unsold = unsoldLead("l-unsold", { reason: "no_bids" });
const leads = [sharedLead, unsold, soldLead("l-plain")];

const outcomes: OutcomeRecord[] = [
  {
    auction_id: "a-1",
    phase: "ping",
    campaign_id: "camp-a",
    buyer_id: "buyer-a",
    reason: "bid",
    bid_cents: 4_000,
    latency_ms: 12.5,
    at: T0,
  },
  {
    auction_id: "a-1",
    phase: "ping",
    campaign_id: "camp-d",
    buyer_id: "buyer-d",
    reason: "filtered",
    detail: "state in [NY]",
    at: T0 + 1,
  },
  {
    auction_id: "a-1",
    phase: "post",
    campaign_id: "camp-a",
    buyer_id: "buyer-a",
    reason: "post_accepted",
    at: T0 + 2,
  },
];

const ping: PingRecord = {
  id: "p-1",
  kind: "ping",
  source_id: "src-1",
  vertical: "personal_injury",
  lead: { state: "CA", zip: "90210" },
  test: false,
  sub_id: "s-1",
  created_at: T0,
  expires_at: T0 + 60_000,
  status: "bid",
  price_cents: 3_200,
  bids: [
    {
      campaign_id: "camp-a",
      buyer_id: "buyer-a",
      bid_cents: 4_000,
      source_price_cents: 3_200,
      bid_id: "their-bid",
      expires_at: T0 + 30_000,
      captured: { ping_id: "x-1" },
      shared: true,
    },
    {
      campaign_id: "camp-b",
      buyer_id: "buyer-b",
      bid_cents: 3_000,
      source_price_cents: 2_400,
      expires_at: T0 + 30_000,
    },
  ],
};

/** What fastify sends for `body` through a route whose 200 answer has `schema`. */
async function serialised(schema: TSchema, body: unknown): Promise<unknown> {
  const app = Fastify();
  app.get("/", { schema: { response: { 200: schema } } }, async () => body);
  try {
    const reply = await app.inject({ method: "GET", url: "/" });
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json();
  } finally {
    await app.close();
  }
}

/** The JSON a route answered before: the legacy presenters' value, without a schema in the way. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe("response schemas answer what the routes answered before", () => {
  test("GET /v1/admin/leads: a page of leads, shared, purged, unsold", async () => {
    const body = { leads: leads.map((lead) => presentLead(lead)), next_before: "l-plain" };
    assert.deepEqual(
      await serialised(LeadPageSchema, body),
      asJson({ leads: leads.map(legacyPresentLead), next_before: "l-plain" }),
    );
  });

  test("GET /v1/admin/leads/:id: the lead, its trace and its ledger", async () => {
    const ledger = [
      { id: "e1", kind: "buyer_charge", party_id: "buyer-a", amount: 40, at: new Date(T0).toISOString() },
    ];
    for (const lead of leads) {
      assert.deepEqual(
        await serialised(LeadDetailSchema, {
          lead: presentLead(lead),
          trace: outcomes.map(presentOutcome),
          ledger,
        }),
        asJson({ lead: legacyPresentLead(lead), trace: outcomes.map(legacyPresentOutcome), ledger }),
        lead.id,
      );
    }
  });

  test("GET /v1/admin/pings/:id: the ping with its held bids, the lead posted for it, its trace", async () => {
    for (const leadId of ["l-1", null]) {
      assert.deepEqual(
        await serialised(PingDetailSchema, {
          ping: presentPing(ping),
          lead_id: leadId,
          trace: outcomes.map(presentOutcome),
        }),
        asJson({ ping: legacyPresentPing(ping), lead_id: leadId, trace: outcomes.map(legacyPresentOutcome) }),
      );
    }
  });

  test("GET /v1/admin/reports: source-side and campaign-side groups, with and without figures to divide", async () => {
    /** A rollup row: the given keys, and every sum or maximum the report reads set to `figure`. */
    const row = (keys: Partial<ReportRow>, figure: number) =>
      new Proxy({ ...keys } as ReportRow, {
        get: (target, name) => (name in target ? target[name as keyof ReportRow] : figure),
      });
    const hour = Date.parse("2026-11-01T05:00:00Z");
    const asked = [
      {
        group_by: "buyer,campaign,hour",
        rows: [
          row({ buyer_id: "b", campaign_id: "c", period: hour }, 3),
          row({ buyer_id: "b", campaign_id: "d", period: hour }, 0),
        ],
      },
      {
        group_by: "source,sub_id,vertical,day",
        rows: [
          row({ source_id: "s", sub_id: "", vertical: "pi", period: 20_393 }, 4),
          row({ source_id: "s", sub_id: "x", vertical: "pi", period: 20_393 }, 0),
        ],
      },
    ];
    for (const { group_by, rows } of asked) {
      const parsed = parseReportRequest({
        from: "2026-11-01T00:00:00Z",
        to: "2026-11-02T00:00:00Z",
        group_by,
        time_zone: "America/New_York",
      });
      const answer = presentReport(parsed, rows);
      assert.deepEqual(await serialised(ReportSchema, answer), asJson(answer), group_by);
    }
  });

  test("/v1/console/me, login and users: operators, buyer and source users with their party", async () => {
    const operator = { id: "usr_1", email: "ops@example.com", role: "operator" as const };
    const buyer = { id: "usr_2", email: "b@example.com", role: "buyer" as const, party_id: "alpha" };
    const expires_at = new Date(T0).toISOString();
    const answers = [
      [MeSchema, { user: operator }],
      [MeSchema, { user: buyer, party: { id: "alpha", name: "Alpha Law" } }],
      [LoginAnswerSchema, { user: buyer, expires_at }],
      [LoginAnswerSchema, { user: operator, expires_at, token: "gvl_session_x" }],
      [UserListSchema, { users: [operator, buyer] }],
    ] as const;
    for (const [schema, answer] of answers) {
      assert.deepEqual(await serialised(schema, answer), asJson(answer), JSON.stringify(answer));
    }
  });

  test("GET /v1/admin/outbox: a postback by GET, a dead webhook, an e-mail delivered", async () => {
    const items: OutboxItem[] = [
      {
        id: "o1",
        kind: "source_postback",
        owner_id: "src-1",
        url: "https://s.example/pb?x=1",
        method: "GET",
        body: {},
        timeout_ms: 5_000,
        status: "pending",
        attempts: 0,
        run_at: T0,
        created_at: T0,
      },
      {
        id: "o2",
        kind: "webhook",
        owner_id: "camp-a",
        url: "https://b.example/hook",
        body: { lead: { zip: "90210" }, n: [1, 2] },
        timeout_ms: 5_000,
        status: "dead",
        attempts: 8,
        run_at: T0,
        created_at: T0,
        last_error: "HTTP 500",
      },
      {
        id: "o3",
        kind: "email",
        owner_id: "camp-b",
        url: "mailto:a@b.example",
        body: { subject: "lead" },
        timeout_ms: 10_000,
        status: "done",
        attempts: 1,
        run_at: T0,
        created_at: T0,
        delivered_at: T0 + 5,
      },
    ];
    assert.deepEqual(
      await serialised(OutboxPageSchema, { items: items.map(presentOutboxItem), next_before: "o3" }),
      asJson({ items: items.map(legacyPresentOutboxItem), next_before: "o3" }),
    );
  });
});
