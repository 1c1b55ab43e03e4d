// The admin API for returns: a lead given back by its buyer (with a reason code), the operator's approval or
// rejection, the returns waiting for a decision, and each buyer's return rate.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ReturnRequest, ReturnsService } from "../engine/returns.ts";
import { GavelError } from "../errors.ts";
import { RETURN_REASONS, type ReturnRecord } from "../store/records.ts";
import { authenticateAdmin } from "./auth.ts";

export interface AdminReturnsRoutesOptions {
  returns: ReturnsService;
  adminKeySha256: string;
}

const IdText = Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" });
const IdParams = Type.Object({ id: IdText });
const ReturnBody = Type.Object(
  {
    /** The returning buyer; required for a shared lead only. */
    buyer_id: Type.Optional(IdText),
    reason: Type.Union(RETURN_REASONS.map((reason) => Type.Literal(reason))),
    note: Type.Optional(Type.String({ maxLength: 1000, pattern: "^[^\\u0000]*$" })),
  },
  { additionalProperties: false },
);
const Status = Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("rejected")]);

export function adminReturnsRoutes(options: AdminReturnsRoutesOptions) {
  const { returns } = options;
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
        },
      },
      async (request, reply) => {
        const { created, record } = await returns.request(request.params.id, request.body);
        if (!created && record.reason !== request.body.reason) {
          throw new GavelError(
            "GAVEL_CONFLICT",
            `This lead was already returned, for ${record.reason}`,
            "reason",
          );
        }
        void reply.code(created ? 201 : 200);
        return { return: presentReturn(record) };
      },
    );

    app.get<{ Querystring: { status?: ReturnRecord["status"]; buyer_id?: string; limit?: number } }>(
      "/v1/admin/returns",
      {
        schema: {
          tags,
          security,
          summary: "Returns, newest first (status=pending: those waiting for a decision)",
          querystring: Type.Object(
            {
              status: Type.Optional(Status),
              buyer_id: Type.Optional(IdText),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const { limit = 100, ...filters } = request.query;
        return { returns: (await returns.list({ ...filters, limit })).map(presentReturn) };
      },
    );

    for (const [action, status] of [
      ["approve", "approved"],
      ["reject", "rejected"],
    ] as const) {
      app.post<{ Params: { id: string } }>(
        `/v1/admin/returns/:id/${action}`,
        {
          schema: {
            tags,
            security,
            summary:
              status === "approved"
                ? "Approve a return: refund the buyer, reverse the source's payout per its policy, tell the source"
                : "Reject a return: the sale stands",
            params: IdParams,
          },
        },
        async (request) => ({ return: presentReturn(await returns.decide(request.params.id, status)) }),
      );
    }

    app.get<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/return-rate",
      {
        schema: {
          tags,
          security,
          summary: "How many of a buyer's purchases it returned, against its alert threshold",
          params: IdParams,
        },
      },
      async (request) => ({ buyer_id: request.params.id, ...(await returns.returnRate(request.params.id)) }),
    );
  };
}

function presentReturn(record: ReturnRecord) {
  const { refund_cents, reversal_cents, requested_at, decided_at, ...rest } = record;
  return {
    ...rest,
    refund: refund_cents / 100,
    reversal: reversal_cents / 100,
    requested_at: new Date(requested_at).toISOString(),
    ...(decided_at === undefined ? {} : { decided_at: new Date(decided_at).toISOString() }),
  };
}
