// A CSV answer streamed as the store is read: the cell rule and the download headers every export shares.
import { Readable } from "node:stream";
import type { FastifyReply } from "fastify";

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
