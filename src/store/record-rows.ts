// Rows to records, shared by every SQL store. The stores differ only in how a row carries JSON (SQLite: text;
// PostgreSQL: jsonb, already parsed) and booleans (SQLite: 0/1; PostgreSQL: true/false): each passes its codec.
import {
  NO_PII_KEYS,
  openPii,
  type PiiKeyRing,
  resealedColumn,
  sealedKeyId,
  sealPii,
} from "../compliance/privacy/pii-cipher.ts";
import { type ContactHashes, leadContactHashes } from "../compliance/suppression/suppression-hash.ts";
import type {
  LeadRecord,
  LedgerEntry,
  OutboxItem,
  OutcomeRecord,
  PingRecord,
  ReturnRecord,
} from "../domain/records.ts";
import type {
  BuyerCents,
  BuyerDeposit,
  ConversionRecord,
  ConversionReportRow,
  LedgerTotal,
  SaleSummary,
} from "./store.ts";

export type Row = Record<string, unknown>;

export interface RowCodec {
  json(value: unknown): unknown;
  bool(value: unknown): boolean;
  /** A boolean as the store writes it. */
  boolValue(value: boolean): unknown;
  /** A JSON column's value as read, back as the text it compares equal to. */
  jsonText(value: unknown): string;
  /** The keys a lead's PII columns (`lead`, `consent`) are sealed and opened with (docs/privacy.md). */
  pii: PiiKeyRing;
}

export const SQLITE_CODEC: RowCodec = {
  json: (value) => JSON.parse(value as string),
  bool: (value) => value === 1,
  boolValue: (value) => (value ? 1 : 0),
  jsonText: (value) => String(value),
  pii: NO_PII_KEYS,
};

export const POSTGRES_CODEC: RowCodec = {
  json: (value) => value,
  bool: (value) => value === true,
  boolValue: (value) => value,
  jsonText: (value) => JSON.stringify(value),
  pii: NO_PII_KEYS,
};

/** A store's codec that seals and opens PII with these keys. */
export function withPiiKeys(codec: RowCodec, pii: PiiKeyRing): RowCodec {
  return { ...codec, pii };
}

/**
 * A PII column's value as written: the JSON text, or with a current key, that text sealed and stored as a JSON
 * string (so the column keeps its type: TEXT on SQLite, jsonb on PostgreSQL).
 */
export function piiColumnValue(value: unknown, codec: RowCodec): string {
  const json = JSON.stringify(value);
  return codec.pii.current ? JSON.stringify(sealPii(codec.pii, json)) : json;
}

/** A lead's PII columns sealed again under the current key: the new values, and the old ones they must still be. */
export interface LeadReseal {
  id: string;
  lead: string;
  consent: string;
  old_lead: string;
  old_consent: string;
}

/**
 * The reseals a batch of rows (id, lead, consent as stored) needs under the codec's current key. `asText` gives a
 * column's value back as the JSON text it was written as (SQLite reads it so; PostgreSQL parses jsonb).
 */
export function resealRows(rows: readonly Row[], codec: RowCodec): LeadReseal[] {
  const asText = codec.jsonText;
  const reseals: LeadReseal[] = [];
  for (const row of rows) {
    const lead = resealedColumn(codec.pii, row.lead, codec.json);
    const consent = resealedColumn(codec.pii, row.consent, codec.json);
    if (lead === undefined && consent === undefined) continue;
    reseals.push({
      id: String(row.id),
      lead: lead ?? asText(row.lead),
      consent: consent ?? asText(row.consent),
      old_lead: asText(row.lead),
      old_consent: asText(row.consent),
    });
  }
  return reseals;
}

/** A PII column as read: opened when sealed (PiiKeyError when its key is missing), as it is otherwise. */
export function piiColumnFrom(value: unknown, codec: RowCodec): unknown {
  const parsed = codec.json(value);
  return sealedKeyId(parsed) === undefined ? parsed : JSON.parse(openPii(codec.pii, parsed as string));
}

// Records to rows: the column lists and their values in the same order, for both stores' INSERTs (JSON as text:
// SQLite stores it so, PostgreSQL casts it to jsonb).

export const LEAD_COLUMNS =
  "id, auction_id, kind, source_id, vertical, test, sub_id, status, price_cents, buyer_price_cents, campaign_id, " +
  "buyer_id, buyer_lead_id, reason, lead, consent, created_at, shares, email_sha256, phone_sha256, ping_to_post_ms";

/** `contact`: the lead's contact hashes when the caller has them (leadContactHashes of `lead.lead`), else hashed here. */
export function leadRowValues(lead: LeadRecord, codec: RowCodec, contact?: ContactHashes): unknown[] {
  const hashes = contact ?? leadContactHashes(lead.lead);
  return [
    lead.id,
    lead.auction_id,
    lead.kind,
    lead.source_id,
    lead.vertical,
    codec.boolValue(lead.test),
    lead.sub_id ?? null,
    lead.status,
    lead.price_cents,
    lead.buyer_price_cents ?? null,
    lead.campaign_id ?? null,
    lead.buyer_id ?? null,
    lead.buyer_lead_id ?? null,
    lead.reason ?? null,
    piiColumnValue(lead.lead, codec),
    piiColumnValue(lead.consent, codec),
    lead.created_at,
    lead.shares?.length ? JSON.stringify(lead.shares) : null,
    // Kept beside the lead so the operator can find a consumer's leads (Store.leadsOfContact) without reading PII.
    hashes.email_sha256 ?? null,
    hashes.phone_sha256 ?? null,
    lead.ping_to_post_ms ?? null,
  ];
}

export const OUTBOX_COLUMNS =
  "id, kind, owner_id, url, body, timeout_ms, status, attempts, run_at, created_at, method";

export function outboxRowValues(item: OutboxItem): unknown[] {
  return [
    item.id,
    item.kind,
    item.owner_id,
    item.url,
    JSON.stringify(item.body),
    item.timeout_ms,
    item.status,
    item.attempts,
    item.run_at,
    item.created_at,
    item.method ?? null,
  ];
}

export function ledgerRowValues(entry: LedgerEntry): unknown[] {
  return [entry.id, entry.lead_id, entry.kind, entry.party_id, entry.amount_cents, entry.created_at];
}

export function ledgerEntryFromRow(row: Row): LedgerEntry {
  return {
    id: String(row.id),
    lead_id: String(row.lead_id),
    kind: row.kind as LedgerEntry["kind"],
    party_id: String(row.party_id),
    amount_cents: Number(row.amount_cents),
    created_at: Number(row.created_at),
  };
}

/** One party's total in one book over a period: SUM() is a bigint string on PostgreSQL, a number on SQLite. */
export function ledgerTotalFromRow(row: Row): LedgerTotal {
  return { kind: row.kind as LedgerEntry["kind"], party_id: String(row.party_id), cents: Number(row.cents) };
}

export const RETURN_COLUMNS =
  "id, lead_id, buyer_id, campaign_id, reason, note, status, refund_cents, reversal_cents, requested_at";

export function returnRowValues(record: ReturnRecord): unknown[] {
  return [
    record.id,
    record.lead_id,
    record.buyer_id,
    record.campaign_id,
    record.reason,
    record.note ?? null,
    record.status,
    record.refund_cents,
    record.reversal_cents,
    record.requested_at,
  ];
}

export function returnFromRow(row: Row): ReturnRecord {
  return {
    id: String(row.id),
    lead_id: String(row.lead_id),
    buyer_id: String(row.buyer_id),
    campaign_id: String(row.campaign_id),
    reason: row.reason as ReturnRecord["reason"],
    ...optional(row, "note"),
    status: row.status as ReturnRecord["status"],
    refund_cents: Number(row.refund_cents),
    reversal_cents: Number(row.reversal_cents),
    requested_at: Number(row.requested_at),
    ...optional(row, "decided_at", Number),
    ...optional(row, "decided_by"),
    ...optional(row, "resale_lead_id"),
  };
}

export const CONVERSION_COLUMNS =
  "id, lead_id, buyer_id, campaign_id, stage, at, value_cents, note, created_at";

export function conversionRowValues(record: ConversionRecord): unknown[] {
  return [
    record.id,
    record.lead_id,
    record.buyer_id,
    record.campaign_id,
    record.stage,
    record.at,
    record.value_cents ?? null,
    record.note ?? null,
    record.created_at,
  ];
}

export function conversionFromRow(row: Row): ConversionRecord {
  return {
    id: String(row.id),
    lead_id: String(row.lead_id),
    buyer_id: String(row.buyer_id),
    campaign_id: String(row.campaign_id),
    stage: row.stage as ConversionRecord["stage"],
    at: Number(row.at),
    ...optional(row, "value_cents", Number),
    ...optional(row, "note"),
    created_at: Number(row.created_at),
  };
}

/** SUM() and COUNT() are bigint strings on PostgreSQL, numbers on SQLite. */
export function conversionReportRowFromRow(row: Row): ConversionReportRow {
  return {
    ...(row.group_key === null || row.group_key === undefined ? {} : { group: String(row.group_key) }),
    sold: Number(row.sold),
    contacted: Number(row.contacted),
    quoted: Number(row.quoted),
    closed: Number(row.closed),
    closed_value_cents: Number(row.closed_value_cents),
  };
}

/** The column when it is not NULL, as `{ key: value }` to spread into a record. */
function optional(row: Row, key: string, convert: (value: unknown) => unknown = (value) => value) {
  return row[key] === null || row[key] === undefined ? {} : { [key]: convert(row[key]) };
}

export function pingFromRow(row: Row, codec: RowCodec): PingRecord {
  return {
    id: row.id as string,
    kind: row.kind as PingRecord["kind"],
    source_id: row.source_id as string,
    vertical: row.vertical as string,
    lead: codec.json(row.lead) as PingRecord["lead"],
    test: codec.bool(row.test),
    ...optional(row, "sub_id"),
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
    status: row.status as PingRecord["status"],
    price_cents: Number(row.price_cents),
    bids: codec.json(row.bids) as PingRecord["bids"],
    ...(row.quality === null || row.quality === undefined
      ? {}
      : { quality: codec.json(row.quality) as NonNullable<PingRecord["quality"]> }),
  };
}

export function leadFromRow(row: Row, codec: RowCodec): LeadRecord {
  return {
    id: row.id as string,
    auction_id: row.auction_id as string,
    kind: row.kind as LeadRecord["kind"],
    source_id: row.source_id as string,
    vertical: row.vertical as string,
    lead: piiColumnFrom(row.lead, codec) as LeadRecord["lead"],
    consent: piiColumnFrom(row.consent, codec) as LeadRecord["consent"],
    test: codec.bool(row.test),
    status: row.status as LeadRecord["status"],
    price_cents: Number(row.price_cents),
    created_at: Number(row.created_at),
    ...optional(row, "sub_id"),
    ...optional(row, "buyer_price_cents", Number),
    ...optional(row, "campaign_id"),
    ...optional(row, "buyer_id"),
    ...optional(row, "buyer_lead_id"),
    ...optional(row, "shares", codec.json),
    ...optional(row, "reason"),
    ...optional(row, "pii_purged_at", Number),
    ...optional(row, "ping_to_post_ms", Number),
  };
}

export function outcomeFromRow(row: Row): OutcomeRecord {
  return {
    auction_id: row.auction_id as string,
    phase: row.phase as OutcomeRecord["phase"],
    campaign_id: row.campaign_id as string,
    buyer_id: row.buyer_id as string,
    reason: row.reason as OutcomeRecord["reason"],
    ...optional(row, "bid_cents", Number),
    ...optional(row, "latency_ms", Number),
    ...optional(row, "detail"),
    at: Number(row.at),
  };
}

export function outboxFromRow(row: Row, codec: RowCodec): OutboxItem {
  return {
    id: row.id as string,
    kind: row.kind as OutboxItem["kind"],
    owner_id: row.owner_id as string,
    url: row.url as string,
    ...optional(row, "method"),
    body: codec.json(row.body) as OutboxItem["body"],
    timeout_ms: Number(row.timeout_ms),
    status: row.status as OutboxItem["status"],
    attempts: Number(row.attempts),
    run_at: Number(row.run_at),
    created_at: Number(row.created_at),
    ...optional(row, "last_error"),
    ...optional(row, "delivered_at", Number),
  };
}

export function saleSummaryFromRow(row: Row): SaleSummary {
  return {
    campaign_id: row.campaign_id as string,
    buyer_id: row.buyer_id as string,
    source_id: row.source_id as string,
    buyer_price_cents: Number(row.buyer_price_cents),
    created_at: Number(row.created_at),
  };
}

export function depositFromRow(row: Row): BuyerDeposit {
  return {
    id: String(row.id),
    buyer_id: String(row.buyer_id),
    amount_cents: Number(row.amount_cents),
    ...(row.note === null || row.note === undefined ? {} : { note: String(row.note) }),
    created_at: Number(row.created_at),
  };
}

/** SUM() comes back as a bigint string from PostgreSQL and a number from SQLite. */
export function buyerCentsFromRow(row: Row): BuyerCents {
  return { buyer_id: String(row.buyer_id), cents: Number(row.cents) };
}
