// The lead list's filters as the admin API reads them (GET /v1/admin/leads and its CSV), and GET /v1/admin/leads.csv:
// every lead the filters match, in the list's order, streamed page by page from the store so the export holds the
// whole filtered list however long it is. No PII: the columns are the lead's ids, money and outcome, never contacts.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { LeadFilter } from "../domain/lead-filter.ts";
import { parseInstant } from "../instants.ts";
import type { LeadsPort, ReturnsPort } from "../store/ports.ts";
import { LEAD_SORTS, type LeadQuery, SORT_DIRECTIONS } from "../store/store.ts";
import { authenticateAdmin } from "./auth.ts";
import { CsvDownloadAnswer, csvCell, sendCsvDownload } from "./csv-download.ts";

const Text = Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]*$" });
const Flag = Type.Union([Type.Literal("true"), Type.Literal("false")]);

/** The filters' query parameters, shared by the list and its export. */
export const LEAD_FILTER_PARAMS = {
  source_id: Type.Optional(Type.String({ maxLength: 100, pattern: "^[^\\u0000]*$" })),
  status: Type.Optional(Type.Union([Type.Literal("sold"), Type.Literal("unsold")])),
  buyer_id: Type.Optional(Text),
  campaign_id: Type.Optional(Text),
  vertical: Type.Optional(Text),
  sub_id: Type.Optional(Text),
  test: Type.Optional(Flag),
  returned: Type.Optional(Flag),
  from: Type.Optional(Type.String({ maxLength: 40, description: "RFC 3339: created at or after" })),
  to: Type.Optional(Type.String({ maxLength: 40, description: "RFC 3339: created before" })),
};

export const LEAD_FILTER_DESCRIPTION =
  "Filters: source_id, status (sold, unsold), buyer_id (the lead's first buyer), campaign_id, vertical, sub_id, " +
  "test (true: test traffic only, false: live only), returned (true: with an approved return, false: without), " +
  "from and to (RFC 3339; created at or after from, before to).";

export type LeadFilterQuery = {
  source_id?: string;
  status?: "sold" | "unsold";
  buyer_id?: string;
  campaign_id?: string;
  vertical?: string;
  sub_id?: string;
  test?: "true" | "false";
  returned?: "true" | "false";
  from?: string;
  to?: string;
};

/** The store's filter from the query's text (an unreadable time is a 400 naming it). */
export function leadFilterOf(query: LeadFilterQuery): Pick<LeadQuery, "source_id" | "status"> & LeadFilter {
  const { test, returned, from, to, ...rest } = query;
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined && value !== "")),
    ...(test === undefined ? {} : { test: test === "true" }),
    ...(returned === undefined ? {} : { returned: returned === "true" }),
    ...(from === undefined ? {} : { from: parseInstant(from, "from") }),
    ...(to === undefined ? {} : { to: parseInstant(to, "to") }),
  };
}

/** Leads read from the store per round: the response never holds more than this many in memory. */
const PAGE = 500;
const COLUMNS = [
  "lead_id",
  "created_at",
  "source_id",
  "sub_id",
  "vertical",
  "status",
  // "true" for a sold lead with an approved return (refunded): the lead list and lead page say "returned" for it.
  "returned",
  "test",
  "price",
  "buyer_id",
  "campaign_id",
  "buyer_price",
  "reason",
];

export function adminLeadExportRoutes(options: { store: LeadsPort & ReturnsPort; adminKeySha256: string }) {
  const { store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    app.get<{ Querystring: LeadFilterQuery & Pick<LeadQuery, "sort" | "direction"> }>(
      "/v1/admin/leads.csv",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "Every lead the filters match, as CSV (streamed), in the lead list's order; no contact details",
          description: `Columns: ${COLUMNS.join(", ")}. ${LEAD_FILTER_DESCRIPTION}`,
          querystring: Type.Object(
            {
              ...LEAD_FILTER_PARAMS,
              sort: Type.Optional(Type.Union(LEAD_SORTS.map((sort) => Type.Literal(sort)))),
              direction: Type.Optional(
                Type.Union(SORT_DIRECTIONS.map((direction) => Type.Literal(direction))),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: CsvDownloadAnswer },
        },
      },
      async (request, reply) => {
        const { sort, direction, ...filters } = request.query;
        // Read before the first byte goes out, so a bad filter is still a 400.
        const query = {
          ...leadFilterOf(filters),
          ...(sort ? { sort } : {}),
          ...(direction ? { direction } : {}),
        };
        async function* rows(): AsyncGenerator<string> {
          yield `${COLUMNS.map(csvCell).join(",")}\r\n`;
          let before: string | undefined;
          for (;;) {
            const page = await store.listLeads({ ...query, limit: PAGE, ...(before ? { before } : {}) });
            const returned = await store.returnedLeadIds(page.map((lead) => lead.id));
            let lines = "";
            for (const lead of page) {
              const row = [
                lead.id,
                new Date(lead.created_at).toISOString(),
                lead.source_id,
                lead.sub_id,
                lead.vertical,
                lead.status,
                returned.has(lead.id),
                lead.test,
                (lead.price_cents / 100).toFixed(2),
                lead.buyer_id,
                lead.campaign_id,
                lead.buyer_price_cents === undefined ? "" : (lead.buyer_price_cents / 100).toFixed(2),
                lead.reason,
              ];
              lines += `${row.map(csvCell).join(",")}\r\n`;
            }
            if (lines) yield lines;
            if (page.length < PAGE) return;
            before = page[page.length - 1]!.id;
          }
        }
        return sendCsvDownload(reply, rows());
      },
    );
  };
}
