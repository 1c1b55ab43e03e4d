// The admin API: configuration (the same shapes as the configuration file), leads and their decision traces.
import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { hashContact } from "../compliance/suppression/suppression-hash.ts";
import type { Campaign, ConfigFile } from "../domain/config-schema.ts";
import {
  BuyerSchema,
  CampaignSchema,
  SettingsSchema,
  SourceSchema,
  VerticalSchema,
} from "../domain/config-schema.ts";
import { MaskedSecretProblem, maskCampaignSecrets, restoreMaskedSecrets } from "../domain/config-secrets.ts";
import { REASONS } from "../domain/outcomes.ts";
import type { LeadRecord, OutboxItem, OutcomeRecord, PingRecord } from "../domain/records.ts";
import type { AuditContext } from "../engine/audit-trail.ts";
import { type ConfigService, generateApiKey, sha256Hex } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import { type ConfigKind, LEAD_SORTS, type LeadQuery, SORT_DIRECTIONS, type Store } from "../store/store.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminRoutesOptions {
  config: ConfigService;
  store: Store;
  adminKeySha256: string;
  /** Writes buffered ping events, so a trace asked for right after a ping is complete. */
  flushEvents: () => Promise<void>;
  /** Asks the outbox worker to deliver now (after a replay). */
  wakeOutbox: () => void;
}

// No NUL: no store can hold one (PostgreSQL refuses it), and no id Gavel issues contains one.

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" }) });

export function adminRoutes(options: AdminRoutesOptions) {
  const { config, store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.get(
      "/v1/admin/config",
      {
        schema: {
          tags,
          security,
          summary: "The whole configuration, in the file's shape (secrets masked)",
        },
      },
      async (): Promise<ConfigFile> => {
        const exported = config.export();
        return { ...exported, campaigns: exported.campaigns?.map(maskCampaignSecrets) };
      },
    );
    app.put<{ Body: Record<string, unknown> }>(
      "/v1/admin/settings",
      { schema: { tags, security, summary: "Change exchange settings", body: Type.Partial(SettingsSchema) } },
      async (request) => config.putSettings(request.body, auditContextOf(request)),
    );

    // One set of routes per configuration entity; PUT creates or replaces (the id comes from the path).
    const entity = <T extends { id: string }>(
      kind: ConfigKind,
      plural: string,
      schema: TSchema,
      list: () => readonly T[],
      put: (body: T, context: AuditContext) => Promise<unknown>,
    ) => {
      app.get(`/v1/admin/${plural}`, { schema: { tags, security, summary: `List ${plural}` } }, async () => ({
        [plural]: list(),
      }));
      app.get<{ Params: { id: string } }>(
        `/v1/admin/${plural}/:id`,
        { schema: { tags, security, summary: `Get one of the ${plural}`, params: IdParams } },
        async (request) => {
          const found = list().find((item) => item.id === request.params.id);
          if (!found)
            throw new GavelError("GAVEL_NOT_FOUND", `No ${plural} entry ${request.params.id}`, "id");
          return found;
        },
      );
      app.put<{ Params: { id: string }; Body: T }>(
        `/v1/admin/${plural}/:id`,
        {
          schema: {
            tags,
            security,
            summary: `Create or replace one of the ${plural}`,
            params: IdParams,
            body: schema,
          },
          // The id lives in the path; a body may repeat it but not contradict it.
          preValidation: async (request) => {
            const body = request.body as Record<string, unknown> | null;
            if (typeof body !== "object" || body === null || Array.isArray(body)) return;
            if (body.id !== undefined && body.id !== request.params.id) {
              throw new GavelError("GAVEL_VALIDATION", "id in the body differs from the path", "id");
            }
            body.id = request.params.id;
          },
        },
        async (request) => put(request.body as T, auditContextOf(request)),
      );
      app.delete<{ Params: { id: string } }>(
        `/v1/admin/${plural}/:id`,
        {
          schema: {
            tags,
            security,
            summary: `Delete one of the ${plural} (409 while anything still uses it; its history stays)`,
            params: IdParams,
          },
        },
        async (request) => {
          await config.remove(kind, request.params.id, auditContextOf(request));
          return { deleted: request.params.id };
        },
      );
    };
    entity(
      "vertical",
      "verticals",
      VerticalSchema,
      () => config.snapshot.verticals,
      (v, context) => config.putVertical(v, context),
    );
    entity(
      "source",
      "sources",
      SourceSchema,
      () => config.snapshot.sources,
      (s, context) => config.putSource(s, context),
    );
    entity(
      "buyer",
      "buyers",
      BuyerSchema,
      () => config.snapshot.buyers,
      // A buyer replaced without a key hash keeps its key (as a source does): editing a buyer never locks it out.
      (b, context) => config.putBuyer(b, context),
    );
    // Secrets (webhook signing keys, integration credentials) are masked on every read; a write that sends a mask
    // back unchanged keeps the stored secret, so the console's forms round-trip (see domain/config-secrets.ts).
    entity(
      "campaign",
      "campaigns",
      CampaignSchema,
      () => config.snapshot.campaigns.map(maskCampaignSecrets),
      async (c: Campaign, context) => {
        try {
          restoreMaskedSecrets(c, config.snapshot.campaignById.get(c.id));
        } catch (error) {
          if (error instanceof MaskedSecretProblem)
            throw new GavelError("GAVEL_VALIDATION", error.message, error.field);
          throw error;
        }
        return maskCampaignSecrets(await config.putCampaign(c, context));
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/sources/:id/rotate-key",
      {
        schema: {
          tags,
          security,
          summary: "Issue a new API key for a source (shown once); the old key stops working",
          params: IdParams,
        },
      },
      async (request) => config.rotateSourceKey(request.params.id, auditContextOf(request)),
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/rotate-key",
      {
        schema: {
          tags,
          security,
          summary: "Issue a new buyer API key (shown once); the old key stops working",
          params: IdParams,
        },
      },
      async (request) => {
        const apiKey = generateApiKey();
        return {
          buyer: await config.updateBuyer(
            request.params.id,
            (buyer) => ({ ...buyer, api_key_sha256: sha256Hex(apiKey) }),
            auditContextOf(request),
            "key.rotate",
          ),
          api_key: apiKey,
        };
      },
    );

    app.get<{ Querystring: Omit<LeadQuery, "limit"> & { limit?: string; contact?: string } }>(
      "/v1/admin/leads",
      {
        schema: {
          tags,
          security,
          summary:
            "Leads, newest first or by sort and direction, paged with ?before=<the next_before of the page before>",
          description:
            "sort: created_at (default), price (paid to the source) or buyer_price (charged to the first buyer; an " +
            "unsold lead has none, which sorts below every price); direction: desc (default) or asc. Equal values " +
            "are ordered by lead id. A full page answers next_before: the cursor of the next page in the same order. " +
            "contact: one consumer's email or phone (found by its hash, as suppression lists are): their leads, at " +
            `most the ${CONTACT_MATCHES_MAX} newest, filtered and ordered as asked, in one answer (no paging).`,
          querystring: Type.Object({
            limit: PageLimit,
            before: Type.Optional(Type.String({ maxLength: 100, pattern: "^[^\\u0000]*$" })),
            source_id: Type.Optional(Type.String({ maxLength: 100, pattern: "^[^\\u0000]*$" })),
            status: Type.Optional(Type.Union([Type.Literal("sold"), Type.Literal("unsold")])),
            sort: Type.Optional(Type.Union(LEAD_SORTS.map((sort) => Type.Literal(sort)))),
            direction: Type.Optional(Type.Union(SORT_DIRECTIONS.map((direction) => Type.Literal(direction)))),
            contact: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          }),
        },
      },
      async (request) => {
        const { limit, contact, ...query } = request.query;
        if (contact !== undefined)
          return { leads: (await leadsOfContact(store, contact, query)).map(presentLead) };
        const size = pageSize(limit);
        const leads = await store.listLeads({ limit: size, ...query });
        return {
          leads: leads.map(presentLead),
          // The cursor is a lead id in every order: the store looks up its sort value, so there is no cursor to encode.
          ...nextBefore(leads, size),
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/admin/leads/:id",
      {
        schema: {
          tags,
          security,
          summary:
            "A lead with its full decision trace (every buyer: outcome, reason, bid, latency) and its ledger",
          params: IdParams,
        },
      },
      async (request) => {
        const lead = await store.getLead(request.params.id);
        if (!lead) throw new GavelError("GAVEL_NOT_FOUND", `No lead ${request.params.id}`, "id");
        await options.flushEvents();
        return {
          lead: presentLead(lead),
          trace: (await store.getOutcomes(lead.auction_id)).map(presentOutcome),
          // The money it moved: charges, payout and margin (and any refunds), in dollars.
          ledger: (await store.ledgerFor(lead.id)).map(
            ({ amount_cents, created_at, lead_id: _, ...entry }) => ({
              ...entry,
              amount: amount_cents / 100,
              at: new Date(created_at).toISOString(),
            }),
          ),
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/admin/pings/:id",
      {
        schema: {
          tags,
          security,
          summary: "A ping (or direct post's auction) with its decision trace",
          params: IdParams,
        },
      },
      async (request) => {
        await options.flushEvents();
        const ping = await store.getPing(request.params.id);
        if (!ping) throw new GavelError("GAVEL_NOT_FOUND", `No ping ${request.params.id}`, "id");
        const lead = await store.getLeadByAuction(ping.id);
        return {
          ping: presentPing(ping),
          lead_id: lead?.id ?? null,
          trace: (await store.getOutcomes(ping.id)).map(presentOutcome),
        };
      },
    );

    app.get<{ Querystring: { status?: "pending" | "done" | "dead"; limit?: string; before?: string } }>(
      "/v1/admin/outbox",
      {
        schema: {
          tags,
          security,
          summary:
            "Outbox messages (source postbacks, webhook and e-mail deliveries), newest first; status=dead lists the " +
            "dead letters. A full page answers next_before: pass it as before for the next page.",
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([Type.Literal("pending"), Type.Literal("done"), Type.Literal("dead")]),
            ),
            limit: PageLimit,
            before: Type.Optional(Type.String({ maxLength: 100, pattern: "^[^\\u0000]*$" })),
          }),
        },
      },
      async (request) => {
        const { limit, status, before } = request.query;
        const items = await store.listOutbox({
          limit: pageSize(limit),
          ...(status ? { status } : {}),
          ...(before ? { before } : {}),
        });
        return {
          items: items.map(presentOutboxItem),
          ...nextBefore(items, pageSize(limit)),
        };
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/outbox/:id/replay",
      {
        schema: {
          tags,
          security,
          summary: "Deliver an outbox message again (e.g. a dead letter), now",
          params: IdParams,
        },
      },
      async (request) => {
        if (!(await store.replayOutbox(request.params.id, Date.now()))) {
          throw new GavelError("GAVEL_NOT_FOUND", `No outbox message ${request.params.id}`, "id");
        }
        options.wakeOutbox();
        return { id: request.params.id, status: "pending" };
      },
    );

    app.get(
      "/v1/admin/reasons",
      { schema: { tags, security, summary: "The catalogue of outcome reason codes" } },
      async () => ({
        reasons: Object.entries(REASONS).map(([reason, { code, phase, description }]) => ({
          reason,
          code,
          phase,
          description,
        })),
      }),
    );
  };
}

/** A lead as the admin API answers it: dollars for cents, RFC 3339 for epoch ms. */
export function presentLead(lead: LeadRecord) {
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

function presentPing(ping: PingRecord) {
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

function presentOutcome(outcome: OutcomeRecord) {
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

function presentOutboxItem(item: OutboxItem) {
  return {
    ...item,
    run_at: new Date(item.run_at).toISOString(),
    created_at: new Date(item.created_at).toISOString(),
    ...(item.delivered_at === undefined ? {} : { delivered_at: new Date(item.delivered_at).toISOString() }),
  };
}

/** A consumer's leads are few: the most a contact search answers. */
const CONTACT_MATCHES_MAX = 500;

/** One consumer's leads (by the hash of an email, or of a phone), filtered and ordered as the lead list would be. */
async function leadsOfContact(
  store: Store,
  contact: string,
  query: Omit<LeadQuery, "limit">,
): Promise<LeadRecord[]> {
  const kind = contact.includes("@") ? "email" : "phone";
  const hash = hashContact(kind, contact);
  if (!hash) {
    throw new GavelError(
      "GAVEL_VALIDATION",
      kind === "email" ? "contact is not an e-mail address" : "contact is not a 10-digit US phone number",
      "contact",
    );
  }
  const value = (lead: LeadRecord): number =>
    query.sort === "price"
      ? lead.price_cents
      : query.sort === "buyer_price"
        ? (lead.buyer_price_cents ?? -1)
        : lead.created_at;
  const sign = query.direction === "asc" ? 1 : -1;
  return (await store.leadsOfContact(hash, CONTACT_MATCHES_MAX))
    .filter((lead) => (query.status ? lead.status === query.status : true))
    .filter((lead) => (query.source_id ? lead.source_id === query.source_id : true))
    .sort((a, b) => sign * (value(a) - value(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}
