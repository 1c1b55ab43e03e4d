// GET /v1/buyer/leads.csv: every lead the buyer bought (optionally from/to), as one CSV streamed page by page from the
// store, so the console's export holds the whole list however long it is, never just the page on screen. Scoped to
// the caller's buyer exactly as GET /v1/buyer/leads is.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ConfigService } from "../engine/config-service.ts";
import { purchaseOf } from "../engine/conversions.ts";
import { parseInstant } from "../instants.ts";
import type { LeadsPort } from "../store/ports.ts";
import { authenticateBuyer } from "./auth.ts";
import { CsvDownloadAnswer, csvCell, sendCsvDownload } from "./csv-download.ts";

/** Leads read from the store per round: the response never holds more than this many in memory. */
const PAGE = 500;
const SALE_COLUMNS = ["lead_id", "sold_at", "vertical", "campaign_id", "price", "test"];

export function buyerExportRoutes(options: { config: ConfigService; store: LeadsPort }) {
  const { config, store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: { from?: string; to?: string } }>(
      "/v1/buyer/leads.csv",
      {
        schema: {
          tags: ["buyer"],
          description: "Authorization: Bearer <buyer key>.",
          summary:
            "Every lead this buyer bought, newest first, as CSV (streamed): the sale's columns, then the fields of " +
            "its campaigns' verticals; from/to (RFC 3339) narrow it to when the leads were sold",
          querystring: Type.Object(
            {
              from: Type.Optional(Type.String({ maxLength: 40 })),
              to: Type.Optional(Type.String({ maxLength: 40 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: CsvDownloadAnswer },
        },
      },
      async (request, reply) => {
        const snapshot = config.snapshot;
        const buyer = authenticateBuyer(request, snapshot);
        const { from: fromText, to: toText } = request.query;
        const from = fromText === undefined ? undefined : parseInstant(fromText, "from");
        const to = toText === undefined ? undefined : parseInstant(toText, "to");
        // The columns are known before the first row: the fields of the verticals this buyer's campaigns buy in.
        const verticals = new Set(
          snapshot.campaigns.filter((campaign) => campaign.buyer_id === buyer.id).map((c) => c.vertical),
        );
        const fields = [
          ...new Set(
            snapshot.verticals
              .filter((vertical) => verticals.has(vertical.id))
              .flatMap((vertical) => vertical.fields.map((field) => field.name)),
          ),
        ];
        async function* rows(): AsyncGenerator<string> {
          yield `${[...SALE_COLUMNS, ...fields].map(csvCell).join(",")}\r\n`;
          let before: string | undefined;
          for (;;) {
            const page = await store.listPurchases({
              buyer_id: buyer.id,
              limit: PAGE,
              ...(before ? { before } : {}),
            });
            let lines = "";
            for (const lead of page) {
              if (to !== undefined && lead.created_at >= to) continue;
              if (from !== undefined && lead.created_at < from) return void (yield lines);
              const sale = purchaseOf(lead, buyer.id);
              if (!sale) continue;
              const row = [
                lead.id,
                new Date(lead.created_at).toISOString(),
                lead.vertical,
                sale.campaign_id,
                (sale.buyer_price_cents / 100).toFixed(2),
                lead.test,
                ...fields.map((field) => (lead.lead as Record<string, unknown>)[field]),
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
