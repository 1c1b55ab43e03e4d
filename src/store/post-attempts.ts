// The durable journal of posts to buyers (DESIGN rule 11): one row per (auction, campaign), written and committed
// before the buyer is called, so that after a crash or a lease takeover the exchange knows which buyers may already
// hold a lead. Shared by both stores: the record, its columns and the SQL written once over the placeholder style.
import type { OutcomeRecord } from "../domain/records.ts";

/**
 * `posting`: the buyer is being called (or was, when the exchange died: no answer was recorded).
 * `accepted` / `rejected` / `failed` (an error or a timeout): the buyer's answer, recorded with the sale.
 * `uncertain`: found `posting` after a crash or takeover; the buyer may hold the lead; the operator reconciles it.
 */
export const POST_ATTEMPT_STATES = ["posting", "accepted", "rejected", "failed", "uncertain"] as const;
export type PostAttemptState = (typeof POST_ATTEMPT_STATES)[number];
/** The states of an attempt not ended yet: the only ones the stores index by state (the reconciler looks for these). */
export const OPEN_POST_ATTEMPT_STATES: readonly PostAttemptState[] = ["posting", "uncertain"];
/**
 * The condition of the partial index of open attempts by state, spelled as the index spells it (migrations 27 and 29).
 * A query on open states names it too: SQLite uses a partial index only when the query's WHERE holds its condition
 * word for word (`state = 'posting'` alone does not prove `state IN (...)` to it; PostgreSQL's planner would).
 */
export const OPEN_STATE_SQL = `state IN (${OPEN_POST_ATTEMPT_STATES.map((state) => `'${state}'`).join(", ")})`;

/** How the operator settled an uncertain attempt. */
export const POST_ATTEMPT_RESOLUTIONS = ["sold", "not_sold"] as const;
export type PostAttemptResolution = (typeof POST_ATTEMPT_RESOLUTIONS)[number];

export interface PostAttempt {
  id: string;
  /** The ping (or direct post's auction) whose lead was posted. */
  auction_id: string;
  campaign_id: string;
  buyer_id: string;
  /** What the buyer bid, in cents: what a resolved sale charges. */
  bid_cents: number;
  started_at: number;
  state: PostAttemptState;
  /** The buyer's own reference for the lead, when its answer was recorded. */
  buyer_lead_id?: string;
  ended_at?: number;
  resolution?: PostAttemptResolution;
  resolved_at?: number;
}

/** An attempt that ended without a sale (a reject, an error, a timeout): written before the next one begins. */
export interface EndedPostAttempt {
  id: string;
  state: "rejected" | "failed";
  ended_at: number;
}

/** What beginning an attempt found: it began, or this lead was posted to this campaign before (that attempt). */
export type BeginPostAttempt = { begun: true } | { begun: false; earlier: PostAttempt };

export interface PostAttemptQuery {
  state?: PostAttemptState;
  limit: number;
  /** Keyset paging: only the attempts started before this one (the last id of the page before). */
  before?: string;
}

export const POST_ATTEMPT_COLUMNS = "id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state";

export function postAttemptRowValues(attempt: PostAttempt): (string | number)[] {
  return [
    attempt.id,
    attempt.auction_id,
    attempt.campaign_id,
    attempt.buyer_id,
    attempt.bid_cents,
    attempt.started_at,
    attempt.state,
  ];
}

export function postAttemptFromRow(row: Record<string, unknown>): PostAttempt {
  return {
    id: row["id"] as string,
    auction_id: row["auction_id"] as string,
    campaign_id: row["campaign_id"] as string,
    buyer_id: row["buyer_id"] as string,
    bid_cents: Number(row["bid_cents"]),
    started_at: Number(row["started_at"]),
    state: row["state"] as PostAttemptState,
    ...(row["buyer_lead_id"] == null ? {} : { buyer_lead_id: row["buyer_lead_id"] as string }),
    ...(row["ended_at"] == null ? {} : { ended_at: Number(row["ended_at"]) }),
    ...(row["resolution"] == null ? {} : { resolution: row["resolution"] as PostAttemptResolution }),
    ...(row["resolved_at"] == null ? {} : { resolved_at: Number(row["resolved_at"]) }),
  };
}

interface AttemptEnd {
  campaign_id: string;
  state: "accepted" | "rejected" | "failed";
  buyer_lead_id: string | null;
  at: number;
}

/** How each posted campaign's attempt ended, read from a sale's post outcomes (written in the sale's transaction). */
export function attemptEndsOfSale(
  outcomes: readonly OutcomeRecord[],
  buyerLeadIds: ReadonlyMap<string, string>,
): AttemptEnd[] {
  const ends: AttemptEnd[] = [];
  for (const outcome of outcomes) {
    if (outcome.phase !== "post") continue;
    const state: AttemptEnd["state"] | undefined =
      outcome.reason === "post_accepted"
        ? "accepted"
        : outcome.reason === "post_rejected"
          ? "rejected"
          : outcome.reason === "post_error" || outcome.reason === "post_timeout"
            ? "failed"
            : undefined;
    if (!state) continue;
    ends.push({
      campaign_id: outcome.campaign_id,
      state,
      buyer_lead_id: buyerLeadIds.get(outcome.campaign_id) ?? null,
      at: outcome.at,
    });
  }
  return ends;
}

/** Placeholder `n` (1-based), as the dialect seam reads them (src/store/sql/dialect.ts). */
const mark = (n: number) => `$${n}`;

/** Records how an attempt ended; an attempt already ended (or resolved by the operator) is left as it is. */
export const endAttemptSql = `UPDATE post_attempts SET state = ${mark(1)}, ended_at = ${mark(2)},
     buyer_lead_id = COALESCE(${mark(3)}, buyer_lead_id)
   WHERE auction_id = ${mark(4)} AND campaign_id = ${mark(5)} AND state IN ('posting', 'uncertain')`;

export const endAttemptByIdSql = `UPDATE post_attempts SET state = ${mark(1)}, ended_at = ${mark(2)}
   WHERE id = ${mark(3)} AND state = 'posting'`;

export const insertAttemptSql = `INSERT INTO post_attempts (${POST_ATTEMPT_COLUMNS}) VALUES (${Array.from({ length: 7 }, (_, i) => mark(i + 1)).join(", ")})
   ON CONFLICT (auction_id, campaign_id) DO NOTHING`;

export const attemptOfCampaignSql = `SELECT * FROM post_attempts WHERE auction_id = ${mark(1)} AND campaign_id = ${mark(2)}`;

/**
 * Attempts still `posting` that began before a time no live post can have begun at (or every one, after a restart of
 * the only process) and whose auction has no recorded lead: nobody will record their answer, so they are uncertain.
 */
export const reconcileAttemptsSql = `UPDATE post_attempts SET state = 'uncertain'
   WHERE ${OPEN_STATE_SQL} AND state = 'posting' AND started_at < ${mark(1)}
     AND NOT EXISTS (SELECT 1 FROM leads WHERE leads.auction_id = post_attempts.auction_id)`;

/**
 * Withdraws an attempt whose buyer was never called: its beginning reached the store, but its poster lost the reply and
 * so posted nothing (src/engine/unwritten-attempts.ts). Only while still `posting`: once marked uncertain, the
 * operator has it.
 */
export const withdrawAttemptSql = `DELETE FROM post_attempts WHERE id = ${mark(1)} AND state = 'posting'`;

export const markUncertainSql = `UPDATE post_attempts SET state = 'uncertain' WHERE id = ${mark(1)} AND state = 'posting'`;

/** Sold keeps the state the sale's transaction wrote (accepted); not sold ends it as rejected. Only once. */
export const resolveAttemptSql = `UPDATE post_attempts SET resolution = ${mark(1)}, resolved_at = ${mark(2)},
     state = CASE WHEN ${mark(1)} = 'not_sold' THEN 'rejected' ELSE state END
   WHERE id = ${mark(3)} AND resolution IS NULL AND state IN ('uncertain', 'accepted')`;

/** The buyer references of a sale, by campaign: the first buyer's and each share's. */
export function buyerLeadIdsOf(lead: {
  campaign_id?: string;
  buyer_lead_id?: string;
  shares?: readonly { campaign_id: string; buyer_lead_id?: string }[];
}): Map<string, string> {
  const ids = new Map<string, string>();
  if (lead.campaign_id && lead.buyer_lead_id) ids.set(lead.campaign_id, lead.buyer_lead_id);
  for (const share of lead.shares ?? [])
    if (share.buyer_lead_id) ids.set(share.campaign_id, share.buyer_lead_id);
  return ids;
}
