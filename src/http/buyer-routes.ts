// The buyer API: what a buyer bought (with PII: it paid for it), its returns, and its conversion feedback.
// Authenticated by the buyer's own key, and scoped to that buyer on the server: a lead it did not buy answers 404
// exactly as a lead that does not exist, and a shared lead shows only the caller's purchase (never the other buyers
// or their prices).
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Buyer, Campaign } from "../domain/config-schema.ts";
import { RETURN_REASONS, type ReturnReason, type ReturnRecord } from "../domain/records.ts";
import { capUnits } from "../engine/caps.ts";
import type { ConfigService } from "../engine/config-service.ts";
import {
  type ConversionInput,
  ConversionsService,
  type Purchase,
  purchaseOf,
} from "../engine/conversions.ts";
import type { BuyerFunds } from "../engine/funds.ts";
import type { ReturnsService } from "../engine/returns.ts";
import { GavelError } from "../errors.ts";
import { parsePeriod } from "../instants.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import type { ConversionsPort, LeadsPort, LedgerPort } from "../store/ports.ts";
import {
  CONVERSION_STAGES,
  type ConversionRecord,
  SORT_DIRECTIONS,
  type SortDirection,
} from "../store/store.ts";
import { fundsInDollars } from "./admin-funds-routes.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateBuyer } from "./auth.ts";
import {
  type BuyerAccount,
  BuyerAccountSchema,
  BuyerCampaignStatusSchema,
  type BuyerReturn,
  BuyerReturnListSchema,
  type CapUsage,
  type ConversionWire,
  OneConversionSchema,
  OneReturnSchema,
  PurchaseDetailSchema,
  PurchasePageSchema,
  type PurchaseWire,
  type Statement,
  StatementSchema,
} from "./buyer-schemas.ts";
import { IdParams } from "./id-params.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated buyer (buyer routes only). */
    buyer: Buyer;
  }
}

export interface BuyerRoutesOptions {
  config: ConfigService;
  store: LeadsPort & LedgerPort & ConversionsPort;
  /** Returns (the returns routes are served only when given). */
  returns?: ReturnsService;
  /** Deposits and the cap ledger: the account's funds and cap usage (without them, caps show no usage, funds none). */
  funds?: { funds: BuyerFunds; caps: CapLedger };
}

// Said in each route's description rather than declared as a security scheme: the OpenAPI description (openapi.ts)
// declares only the source and admin keys, and a route naming an undeclared scheme breaks the description.
const BUYER_AUTH = "Authorization: Bearer <buyer key>.";
const NoNul = "^[^\\u0000]*$";
// Query strings are text, and the validator does not coerce types: a page size is digits.
const Note = Type.Optional(Type.String({ maxLength: 1000, pattern: NoNul }));

const ReturnBody = Type.Object(
  { reason: Type.Union(RETURN_REASONS.map((reason) => Type.Literal(reason))), note: Note },
  { additionalProperties: false },
);
const ConversionBody = Type.Object(
  {
    stage: Type.Union(CONVERSION_STAGES.map((stage) => Type.Literal(stage))),
    at: Type.Optional(Type.String({ maxLength: 40, description: "RFC 3339; default now" })),
    value: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100_000_000, description: "dollars, e.g. the policy premium" }),
    ),
    note: Note,
  },
  { additionalProperties: false },
);

export function buyerRoutes(options: BuyerRoutesOptions) {
  const { config, store, returns } = options;
  const conversions = new ConversionsService({ store });
  return async (app: FastifyInstance): Promise<void> => {
    app.decorateRequest("buyer", undefined as unknown as Buyer);
    // Authenticate before the body is even read, as the seller API does.
    app.addHook("onRequest", async (request) => {
      request.buyer = authenticateBuyer(request, config.snapshot);
    });
    const tags = ["buyer"];

    app.get<{ Querystring: { limit?: string; before?: string; direction?: SortDirection } }>(
      "/v1/buyer/leads",
      {
        schema: {
          tags,
          description: BUYER_AUTH,
          summary:
            "The leads this buyer bought, newest first (direction=asc: oldest first), with their PII (keyset paging " +
            "with ?before=<next_before>)",
          querystring: Type.Object(
            {
              limit: PageLimit,
              before: Type.Optional(Type.String({ maxLength: 100, pattern: NoNul })),
              direction: Type.Optional(
                Type.Union(SORT_DIRECTIONS.map((direction) => Type.Literal(direction))),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: PurchasePageSchema },
        },
      },
      async (request) => {
        const buyerId = request.buyer.id;
        const { before, direction } = request.query;
        // The cursor must be one of its own leads: paging says nothing about anyone else's.
        if (before !== undefined) {
          const lead = await store.getLead(before);
          if (!lead || !purchaseOf(lead, buyerId)) {
            throw new GavelError("GAVEL_VALIDATION", "before must be the id of a lead you bought", "before");
          }
        }
        const limit = pageSize(request.query.limit);
        const leads = await store.listPurchases({
          buyer_id: buyerId,
          limit,
          ...(before ? { before } : {}),
          ...(direction ? { direction } : {}),
        });
        const page = leads.map((lead) => presentPurchase({ lead, sale: purchaseOf(lead, buyerId)! }));
        return {
          leads: page,
          ...nextBefore(page, limit),
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/buyer/leads/:id",
      {
        schema: {
          tags,
          description: BUYER_AUTH,
          summary: "One lead this buyer bought, with its PII and the conversions it reported",
          params: IdParams,
          response: { 200: PurchaseDetailSchema },
        },
      },
      async (request) => {
        const purchase = await conversions.purchase(request.params.id, request.buyer.id);
        return {
          lead: presentPurchase(purchase),
          conversions: (await conversions.conversionsOf(purchase.lead.id, request.buyer.id)).map(
            presentConversion,
          ),
        };
      },
    );

    app.post<{ Params: { id: string }; Body: ConversionInput }>(
      "/v1/buyer/leads/:id/conversions",
      {
        schema: {
          tags,
          summary: "Report how far this buyer got with a lead it bought: contacted, quoted or closed",
          description:
            `${BUYER_AUTH} Idempotent per lead and stage: reporting a stage again answers the first report ` +
            "(200; 201 when new).",
          params: IdParams,
          body: ConversionBody,
          response: { 200: OneConversionSchema, 201: OneConversionSchema },
        },
      },
      async (request, reply) => {
        const { created, record } = await conversions.record(
          request.params.id,
          request.buyer.id,
          request.body,
        );
        void reply.code(created ? 201 : 200);
        return { conversion: presentConversion(record) };
      },
    );

    app.get(
      "/v1/buyer/account",
      {
        schema: {
          tags,
          description: BUYER_AUTH,
          summary:
            "This buyer's funds (deposits, spent, balance, credit, available) and its campaigns with each cap's usage this period",
          response: { 200: BuyerAccountSchema },
        },
      },
      async (request): Promise<BuyerAccount> => {
        const buyer = request.buyer;
        const now = Date.now();
        const report = options.funds
          ? await options.funds.funds.report(buyer, options.funds.caps)
          : undefined;
        const campaigns = config.snapshot.campaigns.filter((campaign) => campaign.buyer_id === buyer.id);
        return {
          buyer: { id: buyer.id, name: buyer.name, status: buyer.status },
          funds: report ? fundsInDollars(report) : null,
          caps: await capsUsage(options.funds?.caps, buyer, undefined, now),
          campaigns: await Promise.all(
            campaigns.map(async (campaign) => ({
              id: campaign.id,
              name: campaign.name,
              vertical: campaign.vertical,
              status: campaign.status,
              caps: await capsUsage(options.funds?.caps, buyer, campaign, now),
            })),
          ),
        };
      },
    );

    for (const action of ["pause", "resume"] as const) {
      app.post<{ Params: { id: string } }>(
        `/v1/buyer/campaigns/:id/${action}`,
        {
          schema: {
            tags,
            description: `${BUYER_AUTH} Another buyer's campaign answers 404. Every instance sees the change.`,
            summary:
              action === "pause"
                ? "Pause one of this buyer's campaigns: it stops bidding until resumed"
                : "Resume one of this buyer's paused campaigns",
            params: IdParams,
            response: { 200: BuyerCampaignStatusSchema },
          },
        },
        async (request) => {
          // Read and changed in one step of the configuration's queue: a concurrent edit of the same campaign is
          // neither lost nor undone.
          const saved = await config.updateCampaign(
            request.params.id,
            (campaign) => {
              if (campaign.buyer_id !== request.buyer.id) {
                throw new GavelError("GAVEL_NOT_FOUND", `No campaign ${request.params.id}`, "id");
              }
              // A test campaign stays one: the buyer pauses and resumes live bidding, it does not go live by itself.
              if (campaign.status === "test") {
                throw new GavelError("GAVEL_TEST_CAMPAIGN", undefined, "id");
              }
              const { paused_by: pausedBy, ...rest } = campaign;
              if (action === "pause" && campaign.status !== "paused") {
                return { ...rest, status: "paused", paused_by: "buyer" };
              }
              if (action === "resume" && campaign.status === "paused") {
                // An operator's pause (a complaint, a compliance hold) is the operator's to lift, not the buyer's.
                if (pausedBy !== "buyer") {
                  throw new GavelError("GAVEL_PAUSED_BY_OPERATOR", undefined, "id");
                }
                return { ...rest, status: "active" };
              }
              return campaign;
            },
            auditContextOf(request),
          );
          return { campaign: { id: saved.id, name: saved.name, status: saved.status } };
        },
      );
    }

    if (!returns) return;

    app.post<{ Params: { id: string }; Body: { reason: ReturnReason; note?: string } }>(
      "/v1/buyer/leads/:id/returns",
      {
        schema: {
          tags,
          summary: "Return a lead this buyer bought, with a reason, within its campaign's return window",
          description: `${BUYER_AUTH} The operator approves or rejects it (or it is approved at once, per buyer).`,
          params: IdParams,
          body: ReturnBody,
          response: { 200: OneReturnSchema, 201: OneReturnSchema },
        },
      },
      async (request, reply) => {
        const buyerId = request.buyer.id;
        await conversions.purchase(request.params.id, buyerId);
        const { reason, note } = request.body;
        const { created, record } = await returns.request(request.params.id, {
          buyer_id: buyerId,
          reason,
          ...(note === undefined ? {} : { note }),
        });
        if (!created && record.reason !== reason) {
          throw new GavelError(
            "GAVEL_ALREADY_RETURNED",
            `You already returned this lead, for ${record.reason}`,
            "reason",
          );
        }
        void reply.code(created ? 201 : 200);
        return { return: presentReturn(record) };
      },
    );

    app.get<{ Querystring: { from?: string; to?: string } }>(
      "/v1/buyer/statement",
      {
        schema: {
          tags,
          description: BUYER_AUTH,
          summary: "This buyer's billing statement: each charge and refund of a period, and the totals",
          querystring: Type.Object(
            {
              from: Type.Optional(
                Type.String({ maxLength: 40, description: "RFC 3339; default 30 days before to" }),
              ),
              to: Type.Optional(
                Type.String({ maxLength: 40, description: "RFC 3339, exclusive; default now" }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: StatementSchema },
        },
      },
      async (request): Promise<Statement> => {
        const { from, to } = parsePeriod(request.query, Date.now(), 30);
        // The buyer's own ledger entries only: charges for what it bought, refunds of its approved returns.
        const entries = await store.ledgerOfParty(request.buyer.id, from, to, STATEMENT_LINES + 1);
        const lines = entries.slice(0, STATEMENT_LINES);
        const cents = (kind: string) =>
          lines.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + entry.amount_cents, 0);
        const charged = cents("buyer_charge");
        const refunded = -cents("buyer_refund");
        return {
          buyer_id: request.buyer.id,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          charged: charged / 100,
          refunded: refunded / 100,
          net: (charged - refunded) / 100,
          // A period with more lines than a statement holds says so; ask for a shorter one.
          complete: entries.length <= STATEMENT_LINES,
          lines: lines.map((entry) => ({
            lead_id: entry.lead_id,
            kind: entry.kind === "buyer_charge" ? "charge" : "refund",
            amount: entry.amount_cents / 100,
            at: new Date(entry.created_at).toISOString(),
          })),
        };
      },
    );

    app.get<{ Querystring: { status?: ReturnRecord["status"]; limit?: string } }>(
      "/v1/buyer/returns",
      {
        schema: {
          tags,
          description: BUYER_AUTH,
          summary: "This buyer's returns, newest first, with their decisions",
          querystring: Type.Object(
            {
              status: Type.Optional(
                Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("rejected")]),
              ),
              limit: PageLimit,
            },
            { additionalProperties: false },
          ),
          response: { 200: BuyerReturnListSchema },
        },
      },
      async (request) => {
        const { status, limit } = request.query;
        const list = await returns.list({
          buyer_id: request.buyer.id,
          limit: pageSize(limit),
          ...(status ? { status } : {}),
        });
        return { returns: list.map(presentReturn) };
      },
    );
  };
}

const STATEMENT_LINES = 5_000;

/**
 * Each cap of a campaign (or, without one, of the buyer itself) with what it used this period: the same units, keys
 * and periods as an auction reserves (capUnits), read from the cap ledger. Per-source caps are the operator's business.
 */
export async function capsUsage(
  ledger: CapLedger | undefined,
  buyer: Buyer,
  campaign: Campaign | undefined,
  now: number,
): Promise<CapUsage[]> {
  const owner = campaign ? `campaign:${campaign.id}` : `buyer:${buyer.id}`;
  const units = campaign
    ? capUnits({ ...campaign, source_caps: undefined }, undefined, "", 0, now)
    : // capUnits reads a buyer's caps beside a campaign's: a stand-in campaign without caps leaves only the buyer's.
      capUnits({ id: "", buyer_id: buyer.id } as Campaign, buyer, "", 0, now);
  return Promise.all(
    units.map(async (unit) => {
      const usage = await ledger?.usage(buyer.id, unit.key);
      return {
        // split always yields a first element.
        period: unit.key.slice(owner.length + 1).split(":")[0] ?? "",
        ...(unit.countLimit === undefined ? {} : { leads_limit: unit.countLimit }),
        ...(unit.centsLimit === undefined ? {} : { spend_limit: unit.centsLimit / 100 }),
        leads: usage?.committed.count ?? 0,
        spent: (usage?.committed.cents ?? 0) / 100,
        reserved_leads: usage?.reserved.count ?? 0,
        resets_at: new Date(unit.periodEndsAt).toISOString(),
      };
    }),
  );
}

/** A purchase as its buyer sees it: the lead with its PII and what this buyer paid; nothing about the source's side. */
function presentPurchase({ lead, sale }: Purchase): PurchaseWire {
  return {
    id: lead.id,
    vertical: lead.vertical,
    test: lead.test,
    campaign_id: sale.campaign_id,
    price: sale.buyer_price_cents / 100,
    ...(sale.buyer_lead_id === undefined ? {} : { buyer_lead_id: sale.buyer_lead_id }),
    lead: lead.lead,
    consent: lead.consent,
    sold_at: new Date(lead.created_at).toISOString(),
  };
}

function presentConversion(record: ConversionRecord): ConversionWire {
  return {
    id: record.id,
    lead_id: record.lead_id,
    campaign_id: record.campaign_id,
    stage: record.stage,
    at: new Date(record.at).toISOString(),
    ...(record.value_cents === undefined ? {} : { value: record.value_cents / 100 }),
    ...(record.note === undefined ? {} : { note: record.note }),
    recorded_at: new Date(record.created_at).toISOString(),
  };
}

/** A return as its buyer sees it: the refund it gets, never what the source gives back. */
function presentReturn(record: ReturnRecord): BuyerReturn {
  return {
    id: record.id,
    lead_id: record.lead_id,
    campaign_id: record.campaign_id,
    reason: record.reason,
    ...(record.note === undefined ? {} : { note: record.note }),
    status: record.status,
    refund: record.refund_cents / 100,
    requested_at: new Date(record.requested_at).toISOString(),
    ...(record.decided_at === undefined ? {} : { decided_at: new Date(record.decided_at).toISOString() }),
  };
}
