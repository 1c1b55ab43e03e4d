// The admin API: configuration (the same shapes as the configuration file), leads and their decision traces.
import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { sha256Hex } from "../compliance/sha256-hex.ts";
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
import { matchesLeadFilter } from "../domain/lead-filter.ts";
import { REASONS } from "../domain/outcomes.ts";
import type { LeadRecord } from "../domain/records.ts";
import type { AuditContext } from "../engine/audit-trail.ts";
import { type ConfigService, generateApiKey } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import type { AuctionLogPort, LeadsPort, LedgerPort, OutboxPort, ReturnsPort } from "../store/ports.ts";
import { type ConfigKind, LEAD_SORTS, type LeadQuery, SORT_DIRECTIONS } from "../store/store.ts";
import {
  LEAD_FILTER_DESCRIPTION,
  LEAD_FILTER_PARAMS,
  type LeadFilterQuery,
  leadFilterOf,
} from "./admin-lead-export-routes.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
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
} from "./config-answer-schemas.ts";
import { DeletedSchema } from "./console-schemas.ts";
import { KEY_GRACE_DESCRIPTION, keyGraceOf } from "./key-grace.ts";
import {
  LeadDetailSchema,
  LeadPageSchema,
  PingDetailSchema,
  presentLead,
  presentOutcome,
  presentPing,
  ReasonListSchema,
} from "./lead-schemas.ts";
import { OutboxPageSchema, presentOutboxItem, ReplayedSchema } from "./outbox-schemas.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminRoutesOptions {
  config: ConfigService;
  store: LeadsPort & AuctionLogPort & LedgerPort & ReturnsPort & OutboxPort;
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
          response: { 200: ConfigFileAnswer },
        },
      },
      async (): Promise<ConfigFile> => {
        const exported = config.export();
        return { ...exported, campaigns: exported.campaigns?.map(maskCampaignSecrets) };
      },
    );
    app.put<{ Body: Record<string, unknown> }>(
      "/v1/admin/settings",
      {
        schema: {
          tags,
          security,
          summary: "Change exchange settings",
          body: Type.Partial(SettingsSchema),
          response: { 200: SettingsAnswer },
        },
      },
      async (request) => config.putSettings(request.body, auditContextOf(request)),
    );

    // One set of routes per configuration entity; PUT creates or replaces (the id comes from the path).
    const entity = <T extends { id: string }>(
      kind: ConfigKind,
      plural: string,
      schema: TSchema,
      /** The entry as answered (the schema without defaults), and what a PUT answers. */
      answer: { entry: TSchema; put: TSchema },
      list: () => readonly T[],
      put: (body: T, context: AuditContext) => Promise<unknown>,
    ) => {
      app.get(
        `/v1/admin/${plural}`,
        {
          schema: {
            tags,
            security,
            summary: `List ${plural}`,
            response: { 200: Type.Object({ [plural]: Type.Array(answer.entry) }) },
          },
        },
        async () => ({ [plural]: list() }),
      );
      app.get<{ Params: { id: string } }>(
        `/v1/admin/${plural}/:id`,
        {
          schema: {
            tags,
            security,
            summary: `Get one of the ${plural}`,
            params: IdParams,
            response: { 200: answer.entry },
          },
        },
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
            response: { 200: answer.put },
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
            response: { 200: DeletedSchema },
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
      { entry: VerticalAnswer, put: VerticalAnswer },
      () => config.snapshot.verticals,
      (v, context) => config.putVertical(v, context),
    );
    entity(
      "source",
      "sources",
      SourceSchema,
      { entry: SourceAnswer, put: SourcePutAnswer },
      () => config.snapshot.sources,
      (s, context) => config.putSource(s, context),
    );
    entity(
      "buyer",
      "buyers",
      BuyerSchema,
      { entry: BuyerAnswer, put: BuyerAnswer },
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
      { entry: CampaignAnswer, put: CampaignAnswer },
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
          summary:
            "Issue a new API key for a source (shown once); the old key stops working at once or after a grace period",
          description: KEY_GRACE_DESCRIPTION,
          params: IdParams,
          response: { 200: SourceKeyAnswer },
        },
      },
      async (request) =>
        config.rotateSourceKey(request.params.id, auditContextOf(request), keyGraceOf(request)),
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/rotate-key",
      {
        schema: {
          tags,
          security,
          summary: "Issue a new buyer API key (shown once); the old key stops working",
          params: IdParams,
          response: { 200: BuyerKeyAnswer },
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

    app.get<{
      Querystring: LeadFilterQuery &
        Pick<LeadQuery, "before" | "sort" | "direction"> & { limit?: string; contact?: string };
    }>(
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
            `most the ${CONTACT_MATCHES_MAX} newest, filtered and ordered as asked, in one answer (no paging). ` +
            LEAD_FILTER_DESCRIPTION,
          querystring: Type.Object({
            limit: PageLimit,
            before: Type.Optional(Type.String({ maxLength: 100, pattern: "^[^\\u0000]*$" })),
            ...LEAD_FILTER_PARAMS,
            sort: Type.Optional(Type.Union(LEAD_SORTS.map((sort) => Type.Literal(sort)))),
            direction: Type.Optional(Type.Union(SORT_DIRECTIONS.map((direction) => Type.Literal(direction)))),
            contact: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          }),
          response: { 200: LeadPageSchema },
        },
      },
      async (request) => {
        const { limit, contact, before, sort, direction, ...filters } = request.query;
        const query = {
          ...leadFilterOf(filters),
          ...(before ? { before } : {}),
          ...(sort ? { sort } : {}),
          ...(direction ? { direction } : {}),
        };
        // A returned lead is still "sold" in the store; the answer says it was returned, so no list shows it sold.
        const presented = async (leads: readonly LeadRecord[]) => {
          const returned = await store.returnedLeadIds(leads.map((lead) => lead.id));
          return leads.map((lead) => presentLead(lead, returned.has(lead.id)));
        };
        if (contact !== undefined)
          return { leads: await presented(await leadsOfContact(store, contact, query)) };
        const size = pageSize(limit);
        const leads = await store.listLeads({ limit: size, ...query });
        return {
          leads: await presented(leads),
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
          response: { 200: LeadDetailSchema },
        },
      },
      async (request) => {
        const lead = await store.getLead(request.params.id);
        if (!lead) throw new GavelError("GAVEL_NOT_FOUND", `No lead ${request.params.id}`, "id");
        await options.flushEvents();
        const quality = (await store.getPing(lead.auction_id))?.quality;
        return {
          lead: presentLead(lead, (await store.returnedLeadIds([lead.id])).has(lead.id)),
          ...(quality ? { quality } : {}),
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
          response: { 200: PingDetailSchema },
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
          response: { 200: OutboxPageSchema },
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
          response: { 200: ReplayedSchema },
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
      {
        schema: {
          tags,
          security,
          summary: "The catalogue of outcome reason codes",
          response: { 200: ReasonListSchema },
        },
      },
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

/** A consumer's leads are few: the most a contact search answers. */
const CONTACT_MATCHES_MAX = 500;

/** One consumer's leads (by the hash of an email, or of a phone), filtered and ordered as the lead list would be. */
async function leadsOfContact(
  store: LeadsPort,
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
  if (query.returned !== undefined)
    throw new GavelError("GAVEL_VALIDATION", "returned cannot be combined with a contact search", "returned");
  return (await store.leadsOfContact(hash, CONTACT_MATCHES_MAX))
    .filter((lead) => (query.status ? lead.status === query.status : true))
    .filter((lead) => (query.source_id ? lead.source_id === query.source_id : true))
    .filter((lead) => matchesLeadFilter(lead, query))
    .sort((a, b) => sign * (value(a) - value(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}
