// The admin API for returns: a lead given back by its buyer (with a reason code), the operator's approval or
// rejection, the returns waiting for a decision, and each buyer's return rate.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { RETURN_REASONS, type ReturnRecord } from "../domain/records.ts";
import { auditEvent } from "../engine/audit-trail.ts";
import type { ReturnRequest, ReturnsService } from "../engine/returns.ts";
import { GavelError } from "../errors.ts";
import type { AuditPort } from "../store/ports.ts";
import {
  AdminReturnPageSchema,
  ApprovedReturnSchema,
  BulkDecisionSchema,
  OneAdminReturnSchema,
  presentReturn,
  ReturnRateSchema,
} from "./admin-returns-schemas.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
import { IdParams, IdText } from "./id-params.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminReturnsRoutesOptions {
  returns: ReturnsService;
  /** Where decisions are recorded in the audit trail. */
  store: AuditPort;
  adminKeySha256: string;
}

const ReturnBody = Type.Object(
  {
    /** The returning buyer; required for a shared lead only. */
    buyer_id: Type.Optional(IdText),
    reason: Type.Union(RETURN_REASONS.map((reason) => Type.Literal(reason))),
    note: Type.Optional(Type.String({ maxLength: 1000, pattern: "^[^\\u0000]*$" })),
  },
  { additionalProperties: false },
);
/** At most this many returns in one bulk decision: a screen's page, decided in well under a request's time. */
export const BULK_DECISION_MAX = 100;
const BulkDecisionBody = Type.Object(
  {
    ids: Type.Array(IdText, { minItems: 1, maxItems: BULK_DECISION_MAX, uniqueItems: true }),
    decision: Type.Union([Type.Literal("approve"), Type.Literal("reject")]),
    /** The operator's reason, kept in the audit trail with each decision (not the buyer's note). */
    reason: Type.String({ minLength: 1, maxLength: 300, pattern: "^[^\\u0000]*\\S[^\\u0000]*$" }),
  },
  { additionalProperties: false },
);
const Status = Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("rejected")]);
export function adminReturnsRoutes(options: AdminReturnsRoutesOptions) {
  const { returns, store } = options;
  /**
   * Records the operator's decision right after it is stored (returns.decide owns that transaction). The buyer's note
   * stays out: free text may hold what the trail must not.
   */
  const recordDecision = (request: FastifyRequest, record: ReturnRecord, how?: string) =>
    store.appendAuditEvent(
      auditEvent(
        "return.decide",
        auditContextOf(request),
        `return:${record.id}`,
        [
          { path: "status", before: "pending", after: record.status },
          { path: "refund_cents", after: record.refund_cents },
        ],
        {
          note: `lead ${record.lead_id}, buyer ${record.buyer_id}, reason ${record.reason}${how ? `, ${how}` : ""}`,
        },
      ),
    );
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.post<{ Params: { id: string }; Body: ReturnRequest }>(
      "/v1/admin/leads/:id/returns",
      {
        schema: {
          tags,
          security,
          summary: "Return a sold lead for its buyer, with a reason, within its campaign's return window",
          params: IdParams,
          body: ReturnBody,
          response: { 200: OneAdminReturnSchema, 201: OneAdminReturnSchema },
        },
      },
      async (request, reply) => {
        const { created, record } = await returns.request(request.params.id, request.body);
        if (!created && record.reason !== request.body.reason) {
          throw new GavelError(
            "GAVEL_ALREADY_RETURNED",
            `This lead was already returned, for ${record.reason}`,
            "reason",
          );
        }
        void reply.code(created ? 201 : 200);
        return { return: presentReturn(record) };
      },
    );

    app.get<{
      Querystring: { status?: ReturnRecord["status"]; buyer_id?: string; limit?: string; before?: string };
    }>(
      "/v1/admin/returns",
      {
        schema: {
          tags,
          security,
          summary:
            "Returns, newest first (status=pending: those waiting for a decision); a full page answers " +
            "next_before: pass it as before for the next page",
          querystring: Type.Object(
            {
              status: Type.Optional(Status),
              buyer_id: Type.Optional(IdText),
              limit: PageLimit,
              before: Type.Optional(IdText),
            },
            { additionalProperties: false },
          ),
          response: { 200: AdminReturnPageSchema },
        },
      },
      async (request) => {
        const { limit, ...filters } = request.query;
        const size = pageSize(limit, 100);
        const page = await returns.list({ ...filters, limit: size });
        return { returns: page.map(presentReturn), ...nextBefore(page, size) };
      },
    );

    app.post<{ Params: { id: string }; Body: unknown }>(
      "/v1/admin/returns/:id/approve",
      {
        schema: {
          tags,
          security,
          summary:
            "Approve a return: refund the buyer, reverse the source's payout per its policy, tell the source; " +
            "with resell, offer the lead again to every other buyer",
          params: IdParams,
          response: { 200: ApprovedReturnSchema },
        },
      },
      async (request) => {
        // The body is optional (a bare POST approves), so it is checked here rather than by a body schema.
        if (resellAsked(request.body)) {
          const { record, resale } = await returns.approveAndResell(request.params.id);
          await recordDecision(request, record, "resell");
          return { return: presentReturn(record), ...(resale ? { resale } : {}) };
        }
        const record = await returns.decide(request.params.id, "approved");
        await recordDecision(request, record);
        return { return: presentReturn(record) };
      },
    );

    app.post<{ Body: { ids: string[]; decision: "approve" | "reject"; reason: string } }>(
      "/v1/admin/returns/decide",
      {
        schema: {
          tags,
          security,
          summary: `Approve or reject up to ${BULK_DECISION_MAX} returns at once, with the operator's reason`,
          description:
            "Each return is decided on its own, as its single approve or reject would be (refunds, reversals, " +
            "postbacks), and audited as return.decide with the reason in its note. Answers {returns: [decided], " +
            "failed: [{id, code, message}]}: one already decided the other way, or unknown, fails alone.",
          body: BulkDecisionBody,
          response: { 200: BulkDecisionSchema },
        },
      },
      async (request) => {
        const { ids, decision, reason } = request.body;
        const status = decision === "approve" ? "approved" : "rejected";
        const decided: ReturnType<typeof presentReturn>[] = [];
        const failed: { id: string; code: string; message: string }[] = [];
        // One after another: each decision is its own transaction with its own ledger entries and outbox messages.
        for (const id of ids) {
          try {
            const record = await returns.decide(id, status);
            await recordDecision(request, record, `decided in bulk: ${reason.trim()}`);
            decided.push(presentReturn(record));
          } catch (error) {
            if (!(error instanceof GavelError)) throw error;
            failed.push({ id, code: error.code, message: error.message });
          }
        }
        return { returns: decided, failed };
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/returns/:id/reject",
      {
        schema: {
          tags,
          security,
          summary: "Reject a return: the sale stands",
          params: IdParams,
          response: { 200: OneAdminReturnSchema },
        },
      },
      async (request) => {
        const record = await returns.decide(request.params.id, "rejected");
        await recordDecision(request, record);
        return { return: presentReturn(record) };
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/return-rate",
      {
        schema: {
          tags,
          security,
          summary: "How many of a buyer's purchases it returned, against its alert threshold",
          params: IdParams,
          response: { 200: ReturnRateSchema },
        },
      },
      async (request) => ({ buyer_id: request.params.id, ...(await returns.returnRate(request.params.id)) }),
    );
  };
}

/** `{ "resell": true }` asks for a resale; no body, or `{}`, does not; anything else is a 400. */
function resellAsked(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  const keys = typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : undefined;
  const resell = (body as { resell?: unknown }).resell;
  if (
    !keys ||
    keys.some((key) => key !== "resell") ||
    (resell !== undefined && typeof resell !== "boolean")
  ) {
    throw new GavelError("GAVEL_VALIDATION", 'The body is optional: { "resell": true } or nothing', "resell");
  }
  return resell === true;
}
