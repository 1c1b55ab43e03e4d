// Consumer privacy in the store (docs/privacy.md), written once for both databases: the leads a retention pass or an
// erasure blanks, what each keeps, the free text that may echo their PII, and the record of each request.
import type {
  LeadRecord,
  PiiPurgeSelection,
  PiiRedaction,
  PrivacyRequestRecord,
} from "../../domain/records.ts";
import { piiColumnValue, type Row, type RowCodec } from "../record-rows.ts";
import { type Dialect, placeholders, type Statement, statement } from "./dialect.ts";

/** One lead's blanking: what it keeps (JSON, as the store writes it) and the PII strings to scrub from free text. */
export interface LeadRedactionRow {
  id: string;
  auction_id: string;
  lead: string;
  consent: string;
  /** The PII values it held, to replace in trace details, notes and delivery errors (a buyer's reply may echo them). */
  secrets: string[];
}

/** Texts shorter than this are not scrubbed from free text: "Al" would cut words apart, and identifies no one. */
const SHORTEST_SCRUBBED = 3;

export function leadRedactionRow(lead: LeadRecord, redact: PiiRedaction, codec: RowCodec): LeadRedactionRow {
  const kept = redact(lead);
  const keptTexts = new Set([...textsIn(kept.lead), ...textsIn(kept.consent)]);
  const secrets = new Set<string>();
  for (const text of [...textsIn(lead.lead), ...textsIn(lead.consent)]) {
    if (keptTexts.has(text) || text.length < SHORTEST_SCRUBBED) continue;
    secrets.add(text);
    secrets.add(text.toLowerCase());
  }
  return {
    id: lead.id,
    auction_id: lead.auction_id,
    lead: piiColumnValue(kept.lead, codec),
    consent: piiColumnValue(kept.consent, codec),
    // Longest first, so a name inside an e-mail address does not leave the rest of the address behind.
    secrets: [...secrets].sort((a, b) => b.length - a.length),
  };
}

/** Every string and number (as text) in a JSON value. */
function textsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number") return [String(value)];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(textsIn);
}

/** What a cancelled delivery says: the consumer asked to be forgotten before the buyer received the lead. */
export const ERASED_DELIVERY_ERROR = "cancelled: the personal data of this lead was erased on request";
const ERASED_TEXT = "[erased]";

/** Where free text about a lead may echo its PII: which column, keyed by the lead's auction or by the lead. */
const FREE_TEXTS = [
  { table: "outcomes", column: "detail", by: "auction_id", match: "auction_id" },
  { table: "returns", column: "note", by: "id", match: "lead_id" },
  { table: "conversions", column: "note", by: "id", match: "lead_id" },
  { table: "outbox", column: "last_error", by: "id", match: "body ->> 'lead_id'" },
] as const;

/**
 * The statements that blank a lead (parameters: 1 lead JSON, 2 consent JSON, 3 purged at, 4 lead id; only a lead not
 * blanked before), cancel its pending deliveries to buyers (1 lead id), and per table of free text, read the texts
 * about a batch of leads (1 the JSON array of their auction ids or lead ids, as `by` says) and write one back
 * (1 text, 2 row key, 3 owner). SQLite's outcomes have no id column: their key is their auction (the owner) and `seq`.
 */
export function piiRedactionSql(d: Dialect) {
  const p = (n: number) => d.text(`$${n}`);
  return {
    blankLead: d.text(`UPDATE leads SET lead = $1, consent = $2, pii_purged_at = $3
      WHERE id = $4 AND pii_purged_at IS NULL`),
    cancelDeliveries: d.text(`UPDATE outbox SET status = 'dead', last_error = '${ERASED_DELIVERY_ERROR}'
      WHERE status = 'pending' AND kind IN ('webhook', 'email') AND body ->> 'lead_id' = $1`),
    freeTexts: FREE_TEXTS.map(({ table, column, by, match }) => {
      const key = table === "outcomes" ? d.insertionOrder("outcomes") : "id";
      return {
        by,
        select: d.text(`SELECT ${key} AS row_key, ${match} AS owner, ${column} AS text FROM ${table}
          WHERE ${match} ${d.inJsonArray(1)} AND ${column} IS NOT NULL`),
        update: `UPDATE ${table} SET ${column} = ${p(1)} WHERE ${key} = ${p(2)} AND ${match} = ${p(3)}`,
      };
    }),
  };
}

/** A text with every secret in it replaced, or undefined when it held none. */
export function scrubbed(text: string, secrets: readonly string[]): string | undefined {
  let result = text;
  for (const secret of secrets) result = result.replaceAll(secret, ERASED_TEXT);
  return result === text ? undefined : result;
}

export const PRIVACY_REQUEST_COLUMNS =
  "id, kind, contacts, leads_found, leads_erased, deliveries_cancelled, suppressions_added, created_at";

export function privacyRequestRowValues(request: PrivacyRequestRecord): unknown[] {
  return [
    request.id,
    request.kind,
    JSON.stringify(request.contacts),
    request.leads_found,
    request.leads_erased,
    request.deliveries_cancelled,
    request.suppressions_added,
    request.created_at,
  ];
}

export function privacyRequestFromRow(row: Row, codec: RowCodec): PrivacyRequestRecord {
  return {
    id: String(row.id),
    kind: row.kind as PrivacyRequestRecord["kind"],
    contacts: codec.json(row.contacts) as PrivacyRequestRecord["contacts"],
    leads_found: Number(row.leads_found),
    leads_erased: Number(row.leads_erased),
    deliveries_cancelled: Number(row.deliveries_cancelled),
    suppressions_added: Number(row.suppressions_added),
    created_at: Number(row.created_at),
  };
}

export const insertPrivacyRequest = (d: Dialect, request: PrivacyRequestRecord): Statement =>
  statement(
    d,
    `INSERT INTO privacy_requests (${PRIVACY_REQUEST_COLUMNS}) VALUES (${placeholders(PRIVACY_REQUEST_COLUMNS)})`,
    privacyRequestRowValues(request),
  );

/** One batch of leads past their retention whose PII is still there, oldest first. PostgreSQL: instances purging at
 * once take different leads (SKIP LOCKED), and a lead being erased meanwhile is left to that. */
export const leadsToPurge = (d: Dialect, selection: PiiPurgeSelection): Statement =>
  statement(
    d,
    `SELECT * FROM leads WHERE vertical = $1 AND status = $2 AND pii_purged_at IS NULL AND created_at < $3
     ORDER BY created_at LIMIT $4 ${d.skipLocked}`,
    [selection.vertical, selection.status, selection.created_before, selection.limit],
  );

/** The leads of an erasure request whose PII is still there (locked until the erasure commits). */
export const leadsToErase = (d: Dialect, leadIds: readonly string[]): Statement =>
  statement(
    d,
    `SELECT * FROM leads WHERE id ${d.inJsonArray(1)} AND pii_purged_at IS NULL ORDER BY id ${d.forUpdate}`,
    [JSON.stringify(leadIds)],
  );

/** Key rotation: the leads after `after` in id order. */
export const leadsToReseal = (d: Dialect, after: string | undefined, limit: number): Statement =>
  statement(d, "SELECT id, lead, consent FROM leads WHERE id > $1 ORDER BY id LIMIT $2", [
    after ?? "",
    limit,
  ]);

export const privacyRequests = (d: Dialect, limit: number): Statement =>
  statement(d, "SELECT * FROM privacy_requests ORDER BY created_at DESC, id DESC LIMIT $1", [limit]);

/** The ids of the keys leads' PII may be sealed with. */
export const piiKeysInUse = (d: Dialect): Statement => statement(d, "SELECT key_id FROM pii_key_ids");

/** Records a key as one leads may be sealed with from now on (known already: nothing to do). */
export const recordPiiKey = (d: Dialect, keyId: string, at: number): Statement =>
  statement(
    d,
    "INSERT INTO pii_key_ids (key_id, first_used_at) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING",
    [keyId, at],
  );
