// The admin API's lead browsing: the lead list (paged, filtered, or one consumer's leads by contact), a lead or a ping
// with its decision trace, and the catalogue of reason codes.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { hashContact } from "../compliance/suppression/suppression-hash.ts";
import { matchesLeadFilter } from "../domain/lead-filter.ts";
import { REASONS } from "../domain/outcomes.ts";
import type { LeadRecord } from "../domain/records.ts";
import { GavelError } from "../errors.ts";
import type { AuctionLogPort, LeadsPort, LedgerPort, ReturnsPort } from "../store/ports.ts";
import { LEAD_SORTS, type LeadQuery, SORT_DIRECTIONS } from "../store/store.ts";
import {
  LEAD_FILTER_DESCRIPTION,
  LEAD_FILTER_PARAMS,
  type LeadFilterQuery,
  leadFilterOf,
} from "./admin-lead-export-routes.ts";
import { authenticateAdmin } from "./auth.ts";
import { IdParams } from "./id-params.ts";
import {
  LeadDetailSchema,
  LeadPageSchema,
  PingDetailSchema,
  presentLead,
  presentOutcome,
  presentPing,
  ReasonListSchema,
} from "./lead-schemas.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminLeadRoutesOptions {
  store: LeadsPort & AuctionLogPort & LedgerPort & ReturnsPort;
  adminKeySha256: string;
  /** Writes buffered ping events, so a trace asked for right after a ping is complete. */
  flushEvents: () => Promise<void>;
}

export function adminLeadRoutes(options: AdminLeadRoutesOptions) {
  const { store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

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
