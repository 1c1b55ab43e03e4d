// Preloaded into an exchange by bench/hot-state-trips.ts (`node --import`): counts the statements it sends to
// PostgreSQL (every pool and client query goes through pg's Client.prototype.query) and, on SIGUSR2, writes the count
// to the file named by GAVEL_TRIPS_STATEMENTS_FILE, followed by each statement's count (its first 80 characters).
// Measurement only: never loaded by the exchange itself.
import { writeFileSync } from "node:fs";
import pg from "pg";

const file = process.env.GAVEL_TRIPS_STATEMENTS_FILE;
let statements = 0;
const byText = new Map<string, number>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  statements++;
  const first = args[0];
  const text = typeof first === "string" ? first : (first as { text?: string } | undefined)?.text;
  const key = String(text ?? "?")
    .replace(/\s+/g, " ")
    .slice(0, 80);
  byText.set(key, (byText.get(key) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
if (file)
  process.on("SIGUSR2", () =>
    writeFileSync(file, [statements, ...[...byText].map(([text, n]) => `${n}\t${text}`)].join("\n")),
  );
