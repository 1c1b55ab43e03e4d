// Reads a suppression CSV: a header row naming its columns (`email`, `phone`, `email_sha256`, `phone_sha256`; others
// are ignored), or no header and a single column of emails and phones (told apart by the `@`). Each value is normalised
// and hashed here; a value that is neither is counted as invalid and dropped, never kept.
import type { SuppressionHash } from "../../store/store.ts";
import { type ContactKind, hashContact, parseContactHash } from "./suppression-hash.ts";

export interface ParsedSuppressionCsv {
  hashes: SuppressionHash[];
  /** Values that were not a valid email, phone or hash. */
  invalid: number;
}

type Column = (value: string) => SuppressionHash | undefined;

const COLUMNS: Record<string, Column> = {
  email: (value) => hashContact("email", value),
  phone: (value) => hashContact("phone", value),
  email_sha256: (value) => parseContactHash("email", value),
  phone_sha256: (value) => parseContactHash("phone", value),
};

const guessed: Column = (value) => hashContact(kindOf(value), value);

export function parseSuppressionCsv(text: string): ParsedSuppressionCsv {
  const lines = text.split(/\r?\n/);
  const header = splitRow(lines[0] ?? "").map((cell) => cell.toLowerCase());
  const named = header.map((name) => COLUMNS[name]);
  const hasHeader = named.some((column) => column !== undefined);
  const hashes: SuppressionHash[] = [];
  let invalid = 0;
  for (let index = hasHeader ? 1 : 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === "") continue;
    const cells = splitRow(line);
    for (let cell = 0; cell < cells.length; cell++) {
      const value = cells[cell]!;
      const column = hasHeader ? named[cell] : guessed;
      if (!column || value === "") continue;
      const hash = column(value);
      if (hash) hashes.push(hash);
      else invalid++;
    }
  }
  return { hashes, invalid };
}

function kindOf(value: string): ContactKind {
  return value.includes("@") ? "email" : "phone";
}

/** Cells of one row, trimmed, with surrounding double quotes removed (contacts never hold a comma). */
function splitRow(line: string): string[] {
  return line.split(",").map((cell) => {
    const trimmed = cell.trim();
    return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
      ? trimmed.slice(1, -1).replaceAll('""', '"').trim()
      : trimmed;
  });
}
