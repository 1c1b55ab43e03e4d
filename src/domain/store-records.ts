// The records and queries the store keeps beside the lifecycle's own (records.ts): configuration as stored, console
// users, deposits, conversions, suppression hashes, and the shapes of the lists the console pages through.
import type { Buyer, Campaign, Settings, Source } from "./config-schema.ts";
import type { LeadFilter } from "./lead-filter.ts";
import type { LedgerKind, OutboxItem, ReturnRecord } from "./records.ts";
import type { Vertical } from "./vertical.ts";

export interface StoredConfig {
  settings: Partial<Settings>;
  verticals: Vertical[];
  sources: Source[];
  buyers: Buyer[];
  campaigns: Campaign[];
}

export interface SaleSummary {
  campaign_id: string;
  buyer_id: string;
  source_id: string;
  buyer_price_cents: number;
  created_at: number;
}

export type ConfigKind = "vertical" | "source" | "buyer" | "campaign";

/** One suppressed contact: the sha256 hex of a normalised email (lower-cased, trimmed) or 10-digit US phone. */
export interface SuppressionHash {
  kind: "email" | "phone";
  sha256: string;
}

/** A suppression entry as stored: which list holds which hash (`global`, or a buyer id). */
export interface SuppressionEntry extends SuppressionHash {
  list_id: string;
}

/** A prepaid buyer's top-up. Deposits are state, not configuration: importing a configuration never touches them. */
export interface BuyerDeposit {
  /** Unique; a client-supplied idempotency key, so a retried top-up is counted once. */
  id: string;
  buyer_id: string;
  /** Positive integer cents. */
  amount_cents: number;
  note?: string;
  created_at: number;
}

/** An amount per buyer (deposits, or spend on sold leads), in integer cents. */
export interface BuyerCents {
  buyer_id: string;
  cents: number;
}

/** One party's total of one kind of ledger entry over a period, in cents. */
export interface LedgerTotal {
  kind: LedgerKind;
  party_id: string;
  cents: number;
}

/** How far a buyer got with a lead it bought, as it reports it (buyer feedback), in funnel order. */
export const CONVERSION_STAGES = ["contacted", "quoted", "closed"] as const;
export type ConversionStage = (typeof CONVERSION_STAGES)[number];

/** One stage a buyer reached with a lead it bought. At most one per lead, buyer and stage. */
export interface ConversionRecord {
  id: string;
  lead_id: string;
  buyer_id: string;
  /** The buyer's campaign that bought the lead. */
  campaign_id: string;
  stage: ConversionStage;
  /** When it happened, as the buyer says (epoch ms). */
  at: number;
  /** What it was worth to the buyer (a policy premium, a case fee), in integer cents. */
  value_cents?: number;
  note?: string;
  /** When the exchange recorded it. */
  created_at: number;
}

/** What a conversion report may be grouped by. */
export const CONVERSION_GROUPS = ["source", "sub_id", "buyer", "campaign", "vertical"] as const;
export type ConversionGroup = (typeof CONVERSION_GROUPS)[number];

export interface ConversionReportQuery {
  /** Sales of leads created in [from, to) (epoch ms); test leads never count. */
  from: number;
  to: number;
  /** Absent: one row over everything. */
  group_by?: ConversionGroup;
}

/** One group of a conversion report: sales, how many reached each stage (a later stage counts as reached the earlier
 * ones too), and what the closed ones were worth. */
export interface ConversionReportRow {
  /** The group's source, sub-id ("" for none), buyer, campaign or vertical; absent when not grouped. */
  group?: string;
  sold: number;
  contacted: number;
  quoted: number;
  closed: number;
  closed_value_cents: number;
}

/** A buyer's purchases, newest first (or oldest first). */
export interface PurchaseQuery {
  buyer_id: string;
  limit: number;
  /** Keyset paging: only the leads that come after this lead in the order (the last id of the page before). */
  before?: string;
  /** Default `desc` (newest first). */
  direction?: SortDirection;
}

/**
 * What leads may be listed by: when created, what the source was paid (`price_cents`), what the first buyer was charged
 * (`buyer_price_cents`). A lead without a buyer price (unsold) sorts below every price, on every store.
 */
export const LEAD_SORTS = ["created_at", "price", "buyer_price"] as const;
export type LeadSort = (typeof LEAD_SORTS)[number];
export const SORT_DIRECTIONS = ["desc", "asc"] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/**
 * State every instance keeps in memory and reloads when another changes it: the configuration, one suppression list
 * (a list may hold millions of hashes: a small change carries its hashes, applied as they are, and a larger one has
 * only that list read again), or the buyers' deposits.
 */
export type SharedChange =
  | { topic: "config" }
  | { topic: "suppressions"; list: string; added?: SuppressionHash[]; removed?: SuppressionHash[] }
  | { topic: "funds" };

export interface ReturnQuery {
  status?: ReturnRecord["status"];
  buyer_id?: string;
  limit: number;
  /** Keyset paging: only the returns requested before this one (the last id of the page before). */
  before?: string;
}

export interface OutboxQuery {
  status?: OutboxItem["status"];
  limit: number;
  /** Keyset paging: only the items created before this one (the last id of the page before). */
  before?: string;
}

export interface LeadQuery extends LeadFilter {
  limit: number;
  /**
   * Keyset paging: only the leads that come after this lead in the chosen order (the last id of the page before).
   * An unknown id gives an empty page.
   */
  before?: string;
  source_id?: string;
  status?: "sold" | "unsold";
  /** Default `created_at`; equal values are ordered by lead id, in the same direction. */
  sort?: LeadSort;
  /** Default `desc` (newest, or highest, first). */
  direction?: SortDirection;
}

/** Who a console user is: the operator (the admin API), or a user of one buyer's or one source's portal. */
export const CONSOLE_ROLES = ["operator", "buyer", "source"] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** A person who logs in to the web console. */
export interface ConsoleUser {
  id: string;
  /** Unique, stored lower-cased. */
  email: string;
  role: ConsoleRole;
  /** The buyer (role buyer) or source (role source) the user sees; absent for an operator. */
  party_id?: string;
  /** `scrypt$N$r$p$salt$hash` (see src/console/passwords.ts), never the password. */
  password_hash: string;
  created_at: number;
}

/** A logged-in console session. The token itself is never stored, only its sha256. */
export interface ConsoleSession {
  token_sha256: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}
