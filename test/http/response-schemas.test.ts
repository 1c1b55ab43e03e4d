// Response schemas must not change what a route answers: fastify's serializer drops every property a schema does not
// declare. For the routes given schemas (src/http/lead-schemas.ts), records with every optional field set go through
// the route's schema and fastify's own serializer, and must come out as the presenters answered before the schemas
// (copied below from src/http/admin-routes.ts as it was, commit c6ee32d). The OpenAPI description shows them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import Fastify from "fastify";
import { type ConfigFile, FieldSchema, SettingsSchema } from "../../src/domain/config-schema.ts";
import { maskCampaignSecrets } from "../../src/domain/config-secrets.ts";
import { REASONS } from "../../src/domain/outcomes.ts";
import type {
  LeadRecord,
  OutboxItem,
  OutcomeRecord,
  PingRecord,
  PrivacyRequestRecord,
  ReturnRecord,
} from "../../src/domain/records.ts";
import type { ReportRow } from "../../src/domain/report-query.ts";
import type { BuyerDeposit, LedgerTotal } from "../../src/domain/store-records.ts";
import { autoInsurance } from "../../src/domain/verticals/auto-insurance.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { AlertListSchema } from "../../src/http/admin-alerts-routes.ts";
import { ConversionReportSchema } from "../../src/http/admin-conversion-routes.ts";
import { presentDeposit } from "../../src/http/admin-funds-routes.ts";
import { LedgerCheckSchema, LedgerTotalsSchema, presentTotals } from "../../src/http/admin-ledger-routes.ts";
import {
  BuyerStatusSchema,
  CampaignStatusSchema,
  SourceStatusSchema,
} from "../../src/http/admin-pause-routes.ts";
import {
  AccessAnswerSchema,
  PrivacyRequestListSchema,
  PrivacyRequestSchema,
  PurgedSchema,
  presentRequest,
} from "../../src/http/admin-privacy-routes.ts";
import {
  AdminReturnPageSchema,
  ApprovedReturnSchema,
  BulkDecisionSchema,
  OneAdminReturnSchema,
  presentReturn as presentAdminReturn,
  ReturnRateSchema,
} from "../../src/http/admin-returns-schemas.ts";
import { AuthFailureReportSchema } from "../../src/http/admin-source-auth-schemas.ts";
import {
  BuyerAccountSchema,
  BuyerCampaignStatusSchema,
  BuyerCapsReportSchema,
  BuyerFundsSchema,
  BuyerReturnListSchema,
  DepositAnswerSchema,
  OneConversionSchema,
  OneReturnSchema,
  PurchaseDetailSchema,
  PurchasePageSchema,
  StatementSchema,
} from "../../src/http/buyer-schemas.ts";
import {
  BuyerAnswer,
  BuyerKeyAnswer,
  CampaignAnswer,
  ConfigFileAnswer,
  SettingsAnswer,
  SourceAnswer,
  SourceKeyAnswer,
  SourcePutAnswer,
  VerticalAnswer,
} from "../../src/http/config-answer-schemas.ts";
import {
  DeletedSchema,
  LoginAnswerSchema,
  MeSchema,
  UserListSchema,
} from "../../src/http/console-schemas.ts";
import {
  LeadDetailSchema,
  LeadPageSchema,
  PingDetailSchema,
  presentLead,
  presentOutcome,
  presentPing,
} from "../../src/http/lead-schemas.ts";
import { AliveSchema, operationsRoutes, ReadySchema } from "../../src/http/operations-routes.ts";
import { OutboxPageSchema, presentOutboxItem } from "../../src/http/outbox-schemas.ts";
import { PostingSpecAnswer } from "../../src/http/posting-spec-routes.ts";
import { ReportSchema } from "../../src/http/report-schemas.ts";
import {
  OneSubmissionSchema,
  SourceIntegrationSchema,
  SourceKeyRotatedSchema,
  SourceSummarySchema,
  SubmissionPageSchema,
} from "../../src/http/source-portal-schemas.ts";
import { TestPingAnswerSchema } from "../../src/http/test-ping-answer.ts";
import { withoutDefaults } from "../../src/http/wire-schema.ts";
import { postingSpec, postingSpecHtml } from "../../src/inbound/posting-spec.ts";
import { Metrics } from "../../src/metrics.ts";
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

/** Each answer with every optional field set, and without: what fastify sends through `schema` is what it was. */
async function keepsEveryField(schema: TSchema, answers: readonly unknown[]): Promise<void> {
  for (const answer of answers) {
    assert.deepEqual(await serialised(schema, answer), asJson(answer), JSON.stringify(answer));
  }
}

const at = new Date(T0).toISOString();
/** The example configuration: its sources, buyers and campaigns as an operator would write them. */
const example = JSON.parse(
  readFileSync(new URL("../../gavel.config.example.json", import.meta.url), "utf8"),
) as ConfigFile;
const capUsage = [
  {
    period: "day",
    leads_limit: 10,
    spend_limit: 250.5,
    leads: 3,
    spent: 120.25,
    reserved_leads: 1,
    resets_at: at,
  },
  { period: "month", leads: 0, spent: 0, reserved_leads: 0, resets_at: at },
];

describe("operations, pauses, ledger, conversions and source key refusals keep their answers", () => {
  test("DELETE /v1/admin/{verticals,sources,buyers,campaigns}/:id", async () => {
    await keepsEveryField(DeletedSchema, [{ deleted: "camp-a" }]);
  });

  test("GET /healthz and /readyz", async () => {
    await keepsEveryField(AliveSchema, [{ status: "ok" }]);
    await keepsEveryField(ReadySchema, [{ status: "ok", store: "ok", hot_state: "ok" }]);
  });

  test("GET /metrics: Prometheus text goes out as it is, not through the JSON serializer", async () => {
    const gavel = Fastify();
    const unused = () => Promise.reject(new Error("not asked"));
    await gavel.register(
      operationsRoutes({
        store: { ping: unused },
        hotState: { ping: unused } as never,
        metrics: new Metrics(),
        adminKeySha256: "",
      }),
    );
    try {
      const reply = await gavel.inject({ method: "GET", url: "/metrics" });
      assert.equal(reply.statusCode, 200);
      assert.match(String(reply.headers["content-type"]), /^text\/plain/);
      assert.match(reply.body, /^# HELP /m);
    } finally {
      await gavel.close();
    }
  });

  test("pause and resume of a source, a buyer, a campaign", async () => {
    await keepsEveryField(SourceStatusSchema, [{ source: { id: "s", name: "S", status: "paused" } }]);
    await keepsEveryField(BuyerStatusSchema, [{ buyer: { id: "b", name: "B", status: "active" } }]);
    await keepsEveryField(CampaignStatusSchema, [{ campaign: { id: "c", name: "C", status: "paused" } }]);
    await keepsEveryField(BuyerCampaignStatusSchema, [
      { campaign: { id: "c", name: "C", status: "active" } },
    ]);
  });

  test("GET /v1/admin/sources/auth-failures", async () => {
    await keepsEveryField(AuthFailureReportSchema, [
      {
        window_minutes: 60,
        sources: [{ source_id: "s", failures: 4, last_at: at }],
        unknown: { failures: 2, last_at: at },
      },
      { window_minutes: 60, sources: [], unknown: { failures: 0, last_at: null } },
    ]);
  });

  test("GET /v1/admin/ledger and /ledger/check", async () => {
    const totals: LedgerTotal[] = [
      { kind: "buyer_charge", party_id: "b", cents: 10_050 },
      { kind: "buyer_refund", party_id: "b", cents: -2_000 },
      { kind: "source_payout", party_id: "s", cents: 8_000 },
      { kind: "payout_reversal", party_id: "s", cents: -1_500 },
      { kind: "margin", party_id: "exchange", cents: 2_050 },
      { kind: "margin_reversal", party_id: "exchange", cents: -500 },
    ];
    await keepsEveryField(LedgerTotalsSchema, [
      presentTotals(T0, T0 + 1, totals),
      presentTotals(T0, T0 + 1, []),
    ]);
    await keepsEveryField(LedgerCheckSchema, [
      { balanced: false, imbalances: [{ lead_id: "l", difference: -0.01 }] },
      { balanced: true, imbalances: [] },
    ]);
  });

  test("GET /v1/admin/conversions: ungrouped, by sub-id (null for none), by buyer", async () => {
    const figures = {
      sold: 4,
      contacted: 3,
      contact_rate: 0.75,
      quoted: 1,
      quote_rate: 0.25,
      closed: 0,
      close_rate: 0,
      closed_value: 0,
    };
    const none = { ...figures, sold: 0, contact_rate: null, quote_rate: null, close_rate: null };
    await keepsEveryField(ConversionReportSchema, [
      { from: at, to: at, group_by: null, groups: [figures] },
      {
        from: at,
        to: at,
        group_by: "sub_id",
        groups: [
          { sub_id: null, ...none },
          { sub_id: "x", ...figures },
        ],
      },
      { from: at, to: at, group_by: "buyer", groups: [{ buyer_id: "b", ...figures }] },
    ]);
  });
});

describe("the buyer API and the buyer's money keep their answers", () => {
  const purchase = {
    id: "l-1",
    vertical: "personal_injury",
    test: false,
    campaign_id: "c",
    price: 40.5,
    buyer_lead_id: "theirs",
    lead: { first_name: "Ann", zip: "90210", nested: { a: [1, null] } },
    consent: { trustedform_cert_url: "https://cert.trustedform.com/x", verification: { ok: true } },
    sold_at: at,
  };
  const { buyer_lead_id: _, ...plainPurchase } = purchase;
  const conversion = {
    id: "cv",
    lead_id: "l-1",
    campaign_id: "c",
    stage: "closed",
    at,
    value: 1_200.5,
    note: "policy",
    recorded_at: at,
  };
  const plainConversion = {
    id: "cv2",
    lead_id: "l-1",
    campaign_id: "c",
    stage: "contacted",
    at,
    recorded_at: at,
  };
  const buyerReturn = {
    id: "r",
    lead_id: "l-1",
    campaign_id: "c",
    reason: "duplicate",
    note: "seen before",
    status: "approved",
    refund: 40.5,
    requested_at: at,
    decided_at: at,
  };
  const pendingReturn = {
    id: "r2",
    lead_id: "l-2",
    campaign_id: "c",
    reason: "fraud",
    status: "pending",
    refund: 3,
    requested_at: at,
  };
  const funds = {
    prepaid: true,
    deposits: 500,
    spent: 120.25,
    reserved: 40,
    credit_limit: 100,
    balance: 379.75,
    available: 439.75,
  };
  const unlimited = { ...funds, prepaid: false, credit_limit: null, available: null };

  test("GET /v1/buyer/leads and /leads/:id, conversions and returns", async () => {
    await keepsEveryField(PurchasePageSchema, [
      { leads: [purchase, plainPurchase], next_before: "l-1" },
      { leads: [] },
    ]);
    await keepsEveryField(PurchaseDetailSchema, [
      { lead: purchase, conversions: [conversion, plainConversion] },
    ]);
    await keepsEveryField(OneConversionSchema, [{ conversion }, { conversion: plainConversion }]);
    await keepsEveryField(OneReturnSchema, [{ return: buyerReturn }, { return: pendingReturn }]);
    await keepsEveryField(BuyerReturnListSchema, [{ returns: [buyerReturn, pendingReturn] }]);
  });

  test("GET /v1/buyer/account and /statement", async () => {
    const campaigns = [{ id: "c", name: "C", vertical: "personal_injury", status: "active", caps: capUsage }];
    await keepsEveryField(BuyerAccountSchema, [
      { buyer: { id: "b", name: "B", status: "active" }, funds, caps: capUsage, campaigns },
      { buyer: { id: "b", name: "B", status: "paused" }, funds: unlimited, caps: [], campaigns: [] },
      { buyer: { id: "b", name: "B", status: "active" }, funds: null, caps: [], campaigns },
    ]);
    await keepsEveryField(StatementSchema, [
      {
        buyer_id: "b",
        from: at,
        to: at,
        charged: 40.5,
        refunded: 0.1,
        net: 40.4,
        complete: true,
        lines: [
          { lead_id: "l", kind: "charge", amount: 40.5, at },
          { lead_id: "l", kind: "refund", amount: -0.1, at },
        ],
      },
    ]);
  });

  test("the admin's deposits, funds and caps", async () => {
    const deposits: BuyerDeposit[] = [
      { id: "d1", buyer_id: "b", amount_cents: 10_050, note: "wire", created_at: T0 },
      { id: "d2", buyer_id: "b", amount_cents: 1, created_at: T0 },
    ];
    // What the deposit presenter answered before it listed its fields (a spread of the record).
    const legacyDeposit = ({ amount_cents, created_at, ...rest }: BuyerDeposit) => ({
      ...rest,
      amount: amount_cents / 100,
      created_at: new Date(created_at).toISOString(),
    });
    for (const deposit of deposits) {
      const answer = { deposit: presentDeposit(deposit), funds: { buyer_id: "b", ...funds } };
      assert.deepEqual(
        await serialised(DepositAnswerSchema, answer),
        asJson({ ...answer, deposit: legacyDeposit(deposit) }),
      );
    }
    await keepsEveryField(BuyerFundsSchema, [
      { buyer_id: "b", ...funds },
      { buyer_id: "b", ...unlimited },
    ]);
    await keepsEveryField(BuyerCapsReportSchema, [
      {
        buyer_id: "b",
        caps: capUsage,
        capped: true,
        campaigns: [{ id: "c", status: "test", caps: capUsage, capped: false }],
      },
    ]);
  });
});

describe("the admin's returns keep their answers", () => {
  const records: ReturnRecord[] = [
    {
      id: "r1",
      lead_id: "l1",
      buyer_id: "b",
      campaign_id: "c",
      reason: "duplicate",
      note: "seen",
      status: "approved",
      refund_cents: 4_050,
      reversal_cents: 3_240,
      requested_at: T0,
      decided_at: T0 + 1,
      decided_by: "auto",
      resale_lead_id: "l9",
    },
    {
      id: "r2",
      lead_id: "l2",
      buyer_id: "b",
      campaign_id: "c",
      reason: "other",
      status: "pending",
      refund_cents: 100,
      reversal_cents: 0,
      requested_at: T0,
    },
  ];
  // What the presenter answered before it listed its fields (a spread of the record).
  const legacyPresentReturn = (record: ReturnRecord) => {
    const { refund_cents, reversal_cents, requested_at, decided_at, ...rest } = record;
    return {
      ...rest,
      refund: refund_cents / 100,
      reversal: reversal_cents / 100,
      requested_at: new Date(requested_at).toISOString(),
      ...(decided_at === undefined ? {} : { decided_at: new Date(decided_at).toISOString() }),
    };
  };

  test("one return, a page, an approval with its resale, a bulk decision, a return rate", async () => {
    for (const record of records) {
      assert.deepEqual(
        await serialised(OneAdminReturnSchema, { return: presentAdminReturn(record) }),
        asJson({ return: legacyPresentReturn(record) }),
      );
    }
    assert.deepEqual(
      await serialised(AdminReturnPageSchema, {
        returns: records.map(presentAdminReturn),
        next_before: "r2",
      }),
      asJson({ returns: records.map(legacyPresentReturn), next_before: "r2" }),
    );
    for (const resale of [
      { lead_id: "l9", status: "sold", price: 32.4 },
      { lead_id: "l9", status: "unsold", price: 0, reason: "no_bids" },
      { lead_id: "l9", status: "unsold" },
    ]) {
      const [record] = records as [ReturnRecord];
      assert.deepEqual(
        await serialised(ApprovedReturnSchema, { return: presentAdminReturn(record), resale }),
        asJson({ return: legacyPresentReturn(record), resale }),
      );
    }
    assert.deepEqual(
      await serialised(BulkDecisionSchema, {
        returns: records.map(presentAdminReturn),
        failed: [{ id: "r3", code: "GAVEL_NOT_FOUND", message: "No return r3" }],
      }),
      asJson({
        returns: records.map(legacyPresentReturn),
        failed: [{ id: "r3", code: "GAVEL_NOT_FOUND", message: "No return r3" }],
      }),
    );
    await keepsEveryField(ReturnRateSchema, [
      {
        buyer_id: "b",
        bought: 40,
        approved: 3,
        pending: 1,
        rate: 0.075,
        alert_percent: 12.5,
        over_alert: false,
      },
      { buyer_id: "b", bought: 0, approved: 0, pending: 0, rate: null, alert_percent: 10, over_alert: false },
    ]);
  });
});

describe("privacy requests and alerts keep their answers", () => {
  const record: PrivacyRequestRecord = {
    id: "pr",
    kind: "erasure",
    contacts: [
      { kind: "email", sha256: "a".repeat(64) },
      { kind: "phone", sha256: "b".repeat(64) },
    ],
    leads_found: 2,
    leads_erased: 2,
    deliveries_cancelled: 1,
    suppressions_added: 2,
    created_at: T0,
  };
  // What the presenter answered before it listed its fields (a spread of the record).
  const legacyPresentRequest = (request: PrivacyRequestRecord) => ({
    ...request,
    created_at: new Date(request.created_at).toISOString(),
  });

  test("access (with the leads in full), erasure, the list of requests, a purge", async () => {
    assert.deepEqual(
      await serialised(AccessAnswerSchema, {
        request: presentRequest(record),
        leads: leads.map((lead) => presentLead(lead)),
      }),
      asJson({ request: legacyPresentRequest(record), leads: leads.map(legacyPresentLead) }),
    );
    assert.deepEqual(
      await serialised(PrivacyRequestSchema, presentRequest(record)),
      asJson(legacyPresentRequest(record)),
    );
    assert.deepEqual(
      await serialised(PrivacyRequestListSchema, { requests: [presentRequest(record)] }),
      asJson({ requests: [legacyPresentRequest(record)] }),
    );
    await keepsEveryField(PurgedSchema, [{ purged: 0 }, { purged: 12 }]);
  });

  test("GET /v1/admin/alerts: with and without a start", async () => {
    await keepsEveryField(AlertListSchema, [
      {
        alerts: [
          {
            kind: "buyer_auto_paused",
            severity: "critical",
            subject: { type: "buyer", id: "b" },
            message: "b was paused automatically",
            since: at,
          },
          {
            kind: "campaign_capped",
            severity: "warning",
            subject: { type: "campaign", id: "c" },
            message: "capped",
          },
        ],
      },
      { alerts: [] },
    ]);
  });
});

describe("the source portal keeps its answers", () => {
  const submission = {
    id: "l",
    vertical: "personal_injury",
    kind: "direct",
    test: true,
    sub_id: "s7",
    status: "unsold",
    payout: 0,
    reason: "no_bids",
    fields: { state: "CA", zip: "90210" },
    created_at: at,
  };
  const plain = {
    id: "l2",
    vertical: "auto",
    kind: "ping",
    test: false,
    status: "sold",
    payout: 12.5,
    fields: {},
    created_at: at,
  };

  test("leads, one lead, the summary, a new key", async () => {
    await keepsEveryField(SubmissionPageSchema, [
      { leads: [submission, plain], next_before: "l2" },
      { leads: [] },
    ]);
    await keepsEveryField(OneSubmissionSchema, [{ lead: submission }, { lead: plain }]);
    await keepsEveryField(SourceSummarySchema, [
      { from: at, to: at, auctions: 10, bid_rate: 0.5, leads: 4, sold: 3, sold_rate: 0.75, payouts: 30.5 },
      { from: at, to: at, auctions: 0, bid_rate: null, leads: 0, sold: 0, sold_rate: null, payouts: 0 },
    ]);
    await keepsEveryField(SourceKeyRotatedSchema, [{ source: { id: "s", name: "S" }, api_key: "gvl_src_x" }]);
  });

  test("the integration: a vertical's fields as stored, a default never filled in on the way out", async () => {
    const fields = [
      { name: "zip", type: "zip", pii: false, required: true, label: "ZIP", max_length: 5 },
      { name: "state", type: "enum", pii: false, values: ["CA", "NY"] },
      { name: "age", type: "number", pii: false, required: false, min: 18, max: 99 },
    ];
    await keepsEveryField(SourceIntegrationSchema, [
      {
        source: { id: "s", name: "S", status: "live" },
        has_key: true,
        verticals: [{ id: "pi", name: "Personal injury", consent_required: false, fields }],
      },
    ]);
    // The configuration's own schema would refuse the field without required (a 500), or with required optional fill
    // in required: false; the answer's copy has neither the default nor the requirement.
    const wire = withoutDefaults(FieldSchema);
    assert.ok(FieldSchema.required?.includes("required"));
    assert.ok(!wire.required?.includes("required"));
    assert.doesNotMatch(JSON.stringify(wire), /"default"/);
    assert.equal(((await serialised(Type.Array(wire), fields)) as unknown[]).length, 3);
  });
});

describe("the configuration's answers keep every entry as stored", () => {
  test("the example configuration's verticals, sources, buyers and campaigns (masked), and the whole file", async () => {
    const verticals = [personalInjury, autoInsurance];
    const campaigns = (example.campaigns ?? []).map(maskCampaignSecrets);
    await keepsEveryField(VerticalAnswer, verticals);
    await keepsEveryField(SourceAnswer, example.sources ?? []);
    await keepsEveryField(BuyerAnswer, example.buyers ?? []);
    await keepsEveryField(CampaignAnswer, campaigns);
    await keepsEveryField(ConfigFileAnswer, [{ ...example, verticals, campaigns }]);
    await keepsEveryField(SettingsAnswer, [
      Value.Default(SettingsSchema, structuredClone(example.settings ?? {})),
    ]);
  });

  test("a source with its new key and its rotation's grace; a buyer with its new key", async () => {
    const [source] = example.sources ?? [];
    const [buyer] = example.buyers ?? [];
    assert.ok(source && buyer);
    const rotated = {
      ...source,
      previous_api_key_sha256: "c".repeat(64),
      previous_key_expires_at: new Date(T0).toISOString(),
    };
    await keepsEveryField(SourcePutAnswer, [{ source }, { source: rotated, api_key: "gvl_src_new" }]);
    await keepsEveryField(SourceKeyAnswer, [{ source: rotated, api_key: "gvl_src_new" }]);
    await keepsEveryField(BuyerKeyAnswer, [{ buyer, api_key: "gvl_buy_new" }]);
  });

  test("an entry stored without a defaulted field goes out without it", async () => {
    const vertical = {
      ...personalInjury,
      fields: personalInjury.fields.map(({ required: _, ...field }) => field),
    };
    await keepsEveryField(VerticalAnswer, [vertical]);
  });
});

describe("the posting spec keeps its answer, as JSON and as a page", () => {
  /** The route's own answer declaration: the JSON through the spec's schema, the page as it is. */
  async function answered(body: string | object, type?: string) {
    const app = Fastify();
    app.get("/", { schema: { response: { 200: PostingSpecAnswer } } }, async (_request, reply) =>
      type ? reply.type(type).send(body) : body,
    );
    try {
      return await app.inject({ method: "GET", url: "/" });
    } finally {
      await app.close();
    }
  }

  test("every vertical's spec, for a source with its own names and one in test mode, byte for byte", async () => {
    const [source] = example.sources ?? [];
    assert.ok(source);
    const ownNames = {
      ...source,
      inbound: {
        fields: { Injury: "injury_type", TF: "consent.trustedform_cert_url" },
        campaigns: { "21": "pi" },
      },
    };
    // A field with every optional property, so none is dropped unnoticed.
    const everyOption = {
      name: "age",
      type: "integer" as const,
      pii: false,
      required: true,
      label: "Age",
      values: ["18", "99"],
      min: 18,
      max: 99,
      max_length: 2,
    };
    const verticals = [personalInjury, autoInsurance, { ...personalInjury, fields: [everyOption] }];
    for (const vertical of verticals) {
      for (const seller of [ownNames, { ...source, status: "test" as const }]) {
        const spec = postingSpec(seller, vertical, "https://gavel.example");
        const json = await answered(spec);
        assert.equal(json.statusCode, 200, json.body);
        assert.equal(json.body, JSON.stringify(spec), `${vertical.id} for ${seller.id}`);
        const page = await answered(postingSpecHtml(spec), "text/html; charset=utf-8");
        assert.equal(page.statusCode, 200);
        assert.match(String(page.headers["content-type"]), /^text\/html/);
        assert.equal(
          page.body,
          postingSpecHtml(spec),
          "the page goes out as it is, not through the serializer",
        );
      }
    }
  });
});

describe("test this campaign keeps its answer", () => {
  test("a bid with its exchange, a timeout, a fixed-price campaign not pinged", async () => {
    const request = {
      method: "POST",
      url: "https://b.example/ping?k=••••abcd",
      headers: { "x-key": "••••wxyz" },
    };
    const answer = (ping: object, raw: object[], trace: object[]) => ({
      source_id: "console-test",
      vertical: "personal_injury",
      lead: { state: "CA", zip: "90210" },
      ping,
      trace,
      raw,
    });
    const line = {
      phase: "ping",
      campaign_id: "c",
      buyer_id: "b",
      outcome: "bid",
      code: 0,
      bid: 40,
      latency_ms: 12.5,
    };
    await keepsEveryField(TestPingAnswerSchema, [
      answer(
        { ping_id: "p", status: "bid", price: 32, expires_at: at },
        [
          {
            request: { ...request, body: '{"zip":"90210"}' },
            response: { status: 200, latency_ms: 12.5, body: "{}" },
          },
        ],
        [line],
      ),
      answer(
        { ping_id: "p", status: "no_bid", price: 0, expires_at: null, reason: "no_bids" },
        [{ request, failure: "timeout" }],
        [{ ...line, outcome: "timeout", code: 101, bid: null, latency_ms: null, detail: "300 ms" }],
      ),
      answer(
        { ping_id: "p", status: "no_bid", price: 0, expires_at: null, reason: "no_eligible_buyers" },
        [],
        [],
      ),
    ]);
  });
});
