// A CSV answer streamed as the store is read: the cell rule and the download headers every export shares.
import { Readable } from "node:stream";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";

/** The answer a CSV export declares: a stream, which fastify sends as it is (its serializer is for JSON only). */
export const CsvDownloadAnswer = {
  content: {
    "text/csv": {
      schema: Type.String({
        description: "RFC 4180, a header line then one line per lead, every cell quoted",
      }),
    },
  },
};

/** One RFC 4180 cell, always quoted; a leading = + - @ is prefixed with ' so a spreadsheet never runs it. */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? "" : String(value);
  return `"${(/^[=+\-@]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
}

/** Sends `lines` (already CSV, page by page) as a download named gavel-leads.csv, never cached. */
export function sendCsvDownload(reply: FastifyReply, lines: AsyncIterable<string>): FastifyReply {
  return reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", 'attachment; filename="gavel-leads.csv"')
    .header("cache-control", "no-store")
    .send(Readable.from(lines));
}
