// Reads a suppression CSV: a header row naming its columns (`email`, `phone`, `email_sha256`, `phone_sha256`; others
// are ignored), or no header and a single column of emails and phones (told apart by the `@`). Each value is normalised
// and hashed here; a value that is neither is counted as invalid and dropped, never kept.
//
// The CSV itself is read by csv-parse (RFC 4180: quoted fields with commas, doubled quotes and line breaks, CRLF or LF,
// a UTF-8 byte order mark), the way CRM and spreadsheet exports write it. A row the reader cannot read is reported by
// its line number, never silently dropped.
import { finished } from "node:stream/promises";
import { type CsvError, parse } from "csv-parse";
import type { SuppressionHash } from "../../store/store.ts";
import { type ContactKind, hashContact, parseContactHash } from "./suppression-hash.ts";

/** At most this many problems are listed in an import's answer; the counts cover them all. */
export const MAX_LISTED_PROBLEMS = 20;

/** A row that could not be read, or a value that was not a contact: where (1-based line of the file) and why. */
export interface CsvProblem {
  line: number;
  reason: string;
}

export interface ParsedSuppressionCsv {
  hashes: SuppressionHash[];
  /** Values that were not a valid email, phone or hash. */
  invalid: number;
  /** Rows the CSV reader could not read (e.g. a quote never closed), whose values were therefore not imported. */
  unreadable: number;
  /** The first MAX_LISTED_PROBLEMS unreadable rows and invalid values, in file order. The value itself is not repeated. */
  problems: CsvProblem[];
}

/** How much of the file is read between two turns of the event loop (~2,500 rows: tens of milliseconds of hashing). */
const SLICE_CHARS = 64 * 1024;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

type Column = { name: string; read: (value: string) => SuppressionHash | undefined };

const COLUMNS: Record<string, Column["read"]> = {
  email: (value) => hashContact("email", value),
  phone: (value) => hashContact("phone", value),
  email_sha256: (value) => parseContactHash("email", value),
  phone_sha256: (value) => parseContactHash("phone", value),
};

const guessed = (value: string): SuppressionHash | undefined => hashContact(kindOf(value), value);

export async function parseSuppressionCsv(text: string): Promise<ParsedSuppressionCsv> {
  const result: ParsedSuppressionCsv = { hashes: [], invalid: 0, unreadable: 0, problems: [] };
  const report = (problem: CsvProblem) => {
    if (result.problems.length < MAX_LISTED_PROBLEMS) result.problems.push(problem);
  };
  let columns: (Column | undefined)[] | undefined;
  const readRecord = (record: string[], line: number) => {
    if (columns === undefined) {
      const named = record.map((cell) => {
        const name = cell.trim().toLowerCase();
        const read = COLUMNS[name];
        return read ? { name, read } : undefined;
      });
      columns = named.some((column) => column !== undefined) ? named : [];
      if (columns.length > 0) return;
    }
    for (let cell = 0; cell < record.length; cell++) {
      const value = record[cell]!.trim();
      const column = columns.length > 0 ? columns[cell] : { name: kindOf(value), read: guessed };
      if (!column || value === "") continue;
      const hash = column.read(value);
      if (hash) result.hashes.push(hash);
      else {
        result.invalid++;
        report({ line, reason: `not a valid ${column.name.replace("_sha256", " sha256 (64 hex digits)")}` });
      }
    }
  };

  // Records and unreadable rows arrive in file order through these two callbacks; the line on which the last record
  // ended tells where the next one starts (records may span lines).
  let lastLine = 0;
  const parser = parse({
    bom: true,
    // Rows may have fewer or more cells than the header: only the named columns are read.
    relax_column_count: true,
    // A stray quote inside an unquoted cell (`O"Brien`) is text, as spreadsheets read it.
    relax_quotes: true,
    // Empty lines come through as one empty cell (ignored), so line numbers stay exact.
    skip_empty_lines: false,
    skip_records_with_error: true,
    on_skip: (error) => {
      result.unreadable++;
      report({ line: lastLine + 1, reason: unreadableReason(error) });
      return undefined;
    },
    on_record: (record: string[], context) => {
      readRecord(record, lastLine + 1);
      lastLine = context.lines;
      return null; // read here: nothing is kept in the stream
    },
  });
  // Fed a slice at a time, yielding between slices: a 20 MB file never holds the event loop (pings) for long.
  parser.resume();
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + SLICE_CHARS, text.length);
    if (isHighSurrogate(text.charCodeAt(end - 1)) && end < text.length) end--; // never split a character
    parser.write(text.slice(start, end));
    start = end;
    await new Promise((resolve) => setImmediate(resolve));
  }
  parser.end();
  await finished(parser);
  return result;
}

function kindOf(value: string): ContactKind {
  return value.includes("@") ? "email" : "phone";
}

function unreadableReason(error: CsvError | undefined): string {
  if (error?.code === "CSV_QUOTE_NOT_CLOSED")
    return "a quoted cell that starts here is never closed: the rest of the file was not read";
  return error ? `unreadable CSV (${error.code}): ${error.message}` : "unreadable CSV";
}
