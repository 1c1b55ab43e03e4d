// The source portal's API: a source user's own submissions and how each ended, never a consumer's PII (only the
// vertical's non-PII fields, the same allowlist a ping payload is built from) and nothing about buyers. Scoped on the
// server: another source's lead answers 404 exactly as a lead that does not exist.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Source } from "../domain/config-schema.ts";
import type { LeadRecord } from "../domain/records.ts";
import { buildPingPayload } from "../domain/vertical.ts";
import type { ConfigService } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import type { LeadsPort, ReportsPort } from "../store/ports.ts";
import { auditContextOf } from "./audit-context.ts";
import { requireConsoleUser } from "./console-session.ts";
import { IdParams } from "./id-params.ts";
import { KEY_GRACE_DESCRIPTION, keyGraceOf } from "./key-grace.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";
import {
  OneSubmissionSchema,
  SourceIntegrationSchema,
  SourceKeyRotatedSchema,
  type SourceSummary,
  SourceSummarySchema,
  type Submission,
  SubmissionPageSchema,
} from "./source-portal-schemas.ts";

export interface SourcePortalOptions {
  config: ConfigService;
  store: LeadsPort & ReportsPort;
}

const SOURCE_AUTH = "A source user's console session (cookie gavel_session, or Bearer gvl_session_...).";
const NoNul = "^[^\\u0000]*$";

export function sourcePortalRoutes(options: SourcePortalOptions) {
  const { config, store } = options;
  const sourceOf = (request: FastifyRequest): Source => {
    const user = requireConsoleUser(request, "source");
    const source = config.snapshot.sourceById.get(user.party_id ?? "");
    if (!source) throw new GavelError("GAVEL_UNAUTHORIZED", "This user's source no longer exists");
    return source;
  };
  const ownLead = async (id: string, sourceId: string, field: string): Promise<LeadRecord> => {
    const lead = await store.getLead(id);
    if (!lead || lead.source_id !== sourceId) throw new GavelError("GAVEL_NOT_FOUND", `No lead ${id}`, field);
    return lead;
  };

  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["source portal"];
    app.addHook("onRequest", async (request) => void sourceOf(request));

    app.get<{ Querystring: { limit?: string; before?: string; status?: "sold" | "unsold" } }>(
      "/v1/source/leads",
      {
        schema: {
          tags,
          description: SOURCE_AUTH,
          summary:
            "This source's leads and their outcomes, newest first, without PII (paging: ?before=<lead_id>)",
          querystring: Type.Object(
            {
              limit: PageLimit,
              before: Type.Optional(Type.String({ maxLength: 100, pattern: NoNul })),
              status: Type.Optional(Type.Union([Type.Literal("sold"), Type.Literal("unsold")])),
            },
            { additionalProperties: false },
          ),
          response: { 200: SubmissionPageSchema },
        },
      },
      async (request) => {
        const source = sourceOf(request);
        const { before, status } = request.query;
        if (before !== undefined) await ownLead(before, source.id, "before");
        const limit = pageSize(request.query.limit);
        const leads = await store.listLeads({
          source_id: source.id,
          limit,
          ...(before ? { before } : {}),
          ...(status ? { status } : {}),
        });
        const page = leads.map((lead) => presentSubmission(lead, config));
        return { leads: page, ...nextBefore(page, limit) };
      },
    );

    app.get<{ Querystring: { days?: string } }>(
      "/v1/source/summary",
      {
        schema: {
          tags,
          description: SOURCE_AUTH,
          summary:
            "This source's last days (live traffic, whole UTC hours): auctions, bid rate, leads, sold rate, payouts",
          querystring: Type.Object(
            {
              days: Type.Optional(
                Type.String({ pattern: "^([1-9]|[1-8][0-9]|90)$", description: "1 to 90 (30)" }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: SourceSummarySchema },
        },
      },
      async (request): Promise<SourceSummary> => {
        const source = sourceOf(request);
        const days = request.query.days === undefined ? 30 : Number(request.query.days);
        const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS;
        const from = to - days * 24 * HOUR_MS;
        // The report rollups by source: a few hundred rows at most, whatever the traffic.
        const rows = await store.report({ from, to, dimensions: ["source"] });
        const row = rows.find((candidate) => candidate.source_id === source.id);
        const auctions = row?.auctions ?? 0;
        const leads = row?.leads ?? 0;
        const sold = row?.leads_sold ?? 0;
        return {
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          auctions,
          bid_rate: auctions > 0 ? rate((row?.auctions_with_bid ?? 0) / auctions) : null,
          leads,
          sold,
          sold_rate: leads > 0 ? rate(sold / leads) : null,
          payouts: (row?.lead_payout_cents ?? 0) / 100,
        };
      },
    );

    app.post(
      "/v1/source/rotate-key",
      {
        schema: {
          tags,
          description: `${SOURCE_AUTH} Every instance sees the new key. ${KEY_GRACE_DESCRIPTION}`,
          summary:
            "Issue this source a new API key (shown once); the old key stops working at once or after a grace period",
          response: { 200: SourceKeyRotatedSchema },
        },
      },
      async (request) => {
        const { source, api_key } = await config.rotateSourceKey(
          sourceOf(request).id,
          auditContextOf(request),
          keyGraceOf(request),
        );
        return { source: { id: source.id, name: source.name }, api_key };
      },
    );

    app.get(
      "/v1/source/integration",
      {
        schema: {
          tags,
          description: SOURCE_AUTH,
          summary:
            "What this source needs to integrate: its status and the verticals it may send, with their fields",
          response: { 200: SourceIntegrationSchema },
        },
      },
      async (request) => {
        const source = sourceOf(request);
        const allowed = source.verticals?.length ? new Set(source.verticals) : undefined;
        const verticals = config.snapshot.verticals.filter(
          (vertical) => !allowed || allowed.has(vertical.id),
        );
        return {
          source: { id: source.id, name: source.name, status: source.status },
          has_key: source.api_key_sha256 !== undefined,
          verticals: verticals.map((vertical) => ({
            id: vertical.id,
            name: vertical.name,
            consent_required: vertical.consent_required ?? false,
            fields: vertical.fields,
          })),
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/source/leads/:id",
      {
        schema: {
          tags,
          description: SOURCE_AUTH,
          summary: "One of this source's leads and its outcome, without PII",
          params: IdParams,
          response: { 200: OneSubmissionSchema },
        },
      },
      async (request) => {
        const lead = await ownLead(request.params.id, sourceOf(request).id, "id");
        return { lead: presentSubmission(lead, config) };
      },
    );
  };
}

const HOUR_MS = 3_600_000;
const rate = (value: number) => Math.round(value * 10_000) / 10_000;

/** A lead as its source sees it in the portal: what it is paid, why it did not sell, and no PII, no buyer. */
function presentSubmission(lead: LeadRecord, config: ConfigService): Submission {
  const vertical = config.snapshot.verticalById.get(lead.vertical);
  return {
    id: lead.id,
    vertical: lead.vertical,
    kind: lead.kind,
    test: lead.test,
    ...(lead.sub_id === undefined ? {} : { sub_id: lead.sub_id }),
    status: lead.status,
    payout: lead.price_cents / 100,
    ...(lead.reason === undefined ? {} : { reason: lead.reason }),
    // The allowlist of non-PII fields; a vertical since removed shows none.
    fields: vertical ? buildPingPayload(vertical, lead.lead) : {},
    created_at: new Date(lead.created_at).toISOString(),
  };
}
