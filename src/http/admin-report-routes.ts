// The admin reports API: the funnel and the money over any range, grouped as asked (see src/reports/report.ts).
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { GROUP_BY_VALUES, parseReportRequest, presentReport, type ReportRequest } from "../reports/report.ts";
import type { ReportsPort } from "../store/ports.ts";
import { authenticateAdmin } from "./auth.ts";
import { ReportSchema } from "./report-schemas.ts";

export interface AdminReportRoutesOptions {
  store: ReportsPort;
  adminKeySha256: string;
  /** Writes buffered ping events first, so a report asked for right after traffic counts it. */
  flushEvents?: () => Promise<void>;
}

const Time = Type.String({ maxLength: 40, description: "RFC 3339, e.g. 2026-11-01T00:00:00Z" });

const ReportQuerystring = Type.Object(
  {
    from: Time,
    to: Time,
    group_by: Type.Optional(
      Type.String({
        maxLength: 100,
        description: `Comma-separated, any of: ${GROUP_BY_VALUES.join(", ")} (hour or day, not both)`,
      }),
    ),
    time_zone: Type.Optional(
      Type.String({ maxLength: 64, description: "IANA time zone for hours and days (default UTC)" }),
    ),
    include_test: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])),
  },
  { additionalProperties: false },
);

export function adminReportRoutes(options: AdminReportRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    app.get<{ Querystring: ReportRequest }>(
      "/v1/admin/reports",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "Pings, bids, wins, posts, sales, revenue, payouts, margin and buyer latency over a time range, grouped " +
            "by source, sub-id, buyer, campaign, vertical and hour or day",
          querystring: ReportQuerystring,
          response: { 200: ReportSchema },
        },
      },
      async (request) => {
        const parsed = parseReportRequest(request.query);
        await options.flushEvents?.();
        return presentReport(parsed, await options.store.report(parsed.query));
      },
    );
  };
}
