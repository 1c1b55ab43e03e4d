// The admin conversion report: what buyers said became of the leads they bought (contacted, quoted, closed), added up
// per source, sub-id, buyer, campaign or vertical, so the operator sees which traffic turns into business.
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { GavelError } from "../errors.ts";
import { parseInstant } from "../instants.ts";
import { MAX_RANGE_DAYS } from "../reports/report.ts";
import type { ConversionsPort } from "../store/ports.ts";
import { CONVERSION_GROUPS, type ConversionGroup, type ConversionReportRow } from "../store/store.ts";
import { authenticateAdmin } from "./auth.ts";

export interface AdminConversionRoutesOptions {
  store: ConversionsPort;
  adminKeySha256: string;
}

const DAY_MS = 86_400_000;
const Time = Type.String({ maxLength: 40, description: "RFC 3339, e.g. 2026-11-01T00:00:00Z" });

/** The key each grouping answers under, as in the main reports. */
const GROUP_KEYS = {
  source: "source_id",
  sub_id: "sub_id",
  buyer: "buyer_id",
  campaign: "campaign_id",
  vertical: "vertical",
} as const satisfies Record<ConversionGroup, string>;

const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
  description: "Of the sales, 0 to 1 (4 decimals); null when none sold",
});
const ConversionFigures = {
  sold: Type.Integer(),
  contacted: Type.Integer(),
  contact_rate: Rate,
  quoted: Type.Integer(),
  quote_rate: Rate,
  closed: Type.Integer(),
  close_rate: Rate,
  closed_value: Type.Number({ description: "Dollars" }),
};
const GroupKey = Type.Union([Type.String(), Type.Null()]);
export const ConversionReportSchema = Type.Object({
  from: Type.String({ format: "date-time" }),
  to: Type.String({ format: "date-time" }),
  group_by: Type.Union([...CONVERSION_GROUPS.map((group) => Type.Literal(group)), Type.Null()]),
  groups: Type.Array(
    Type.Object(
      {
        // The group's key, named as in the main reports (null: no sub-id); only the one asked for is present.
        source_id: Type.Optional(GroupKey),
        sub_id: Type.Optional(GroupKey),
        buyer_id: Type.Optional(GroupKey),
        campaign_id: Type.Optional(GroupKey),
        vertical: Type.Optional(GroupKey),
        ...ConversionFigures,
      },
      { description: "One group's figures (one group in all without group_by)" },
    ),
  ),
});
export type ConversionReport = Static<typeof ConversionReportSchema>;
/** Compile-time guard: every grouping answers under a key the schema declares. */
const groupKeysDeclared: Record<
  Exclude<(typeof GROUP_KEYS)[ConversionGroup], keyof ConversionReport["groups"][number]>,
  never
> = {};
void groupKeysDeclared;

export function adminConversionRoutes(options: AdminConversionRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    app.get<{ Querystring: { from: string; to: string; group_by?: ConversionGroup } }>(
      "/v1/admin/conversions",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "Buyer conversions of the leads sold in a time range (by when they were sold): per group, sales, how many " +
            "were contacted, quoted and closed, the rates and the closed value",
          querystring: Type.Object(
            {
              from: Time,
              to: Time,
              group_by: Type.Optional(Type.Union(CONVERSION_GROUPS.map((group) => Type.Literal(group)))),
            },
            { additionalProperties: false },
          ),
          response: { 200: ConversionReportSchema },
        },
      },
      async (request): Promise<ConversionReport> => {
        const { group_by } = request.query;
        const from = parseInstant(request.query.from, "from");
        const to = parseInstant(request.query.to, "to");
        if (to <= from) throw new GavelError("GAVEL_VALIDATION", "to must be later than from", "to");
        if (to - from > MAX_RANGE_DAYS * DAY_MS) {
          throw new GavelError("GAVEL_VALIDATION", `a report covers at most ${MAX_RANGE_DAYS} days`, "to");
        }
        const rows = await options.store.conversionReport({ from, to, ...(group_by ? { group_by } : {}) });
        return {
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          group_by: group_by ?? null,
          groups: rows.map((row) => ({
            ...(group_by ? { [GROUP_KEYS[group_by]]: groupValue(row, group_by) } : {}),
            ...figures(row),
          })),
        };
      },
    );
  };
}

function groupValue(row: ConversionReportRow, groupBy: ConversionGroup): string | null {
  // No sub-id is null, as in the main reports.
  return groupBy === "sub_id" && row.group === "" ? null : (row.group ?? null);
}

/** Counts, rates (0 to 1, of the sales; null when none) and money in dollars. */
function figures(row: ConversionReportRow) {
  return {
    sold: row.sold,
    contacted: row.contacted,
    contact_rate: ratio(row.contacted, row.sold),
    quoted: row.quoted,
    quote_rate: ratio(row.quoted, row.sold),
    closed: row.closed,
    close_rate: ratio(row.closed, row.sold),
    closed_value: row.closed_value_cents / 100,
  };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}
