// Every buyer gets an outcome on every ping (DESIGN rule 3). Numeric reason codes follow OpenRTB's seat-non-bid
// numbering where one exists (100 no bid, 101 timeout, 102 invalid response, 103 unreachable, 301 below floor);
// the rest are Gavel's own, grouped by hundreds.

export const REASONS = {
  // The buyer answered the ping.
  bid: { code: 1, phase: "ping", description: "bid" },
  no_bid: { code: 100, phase: "ping", description: "the buyer declined" },
  timeout: { code: 101, phase: "ping", description: "no answer within the buyer's budget" },
  invalid_response: {
    code: 102,
    phase: "ping",
    description: "the answer was not a valid bid (garbage or too large)",
  },
  unreachable: { code: 103, phase: "ping", description: "connection refused or reset" },
  buyer_error: {
    code: 104,
    phase: "ping",
    description: "the buyer answered with an HTTP error, or a reply that reports an error",
  },
  no_time: {
    code: 105,
    phase: "ping",
    description: "too little time left in the deadline to ask this buyer",
  },
  // The exchange did not ask the buyer.
  filtered: { code: 200, phase: "ping", description: "the lead failed a campaign filter" },
  inactive: { code: 201, phase: "ping", description: "the campaign or its buyer is paused" },
  throttled: {
    code: 203,
    phase: "ping",
    description: "the campaign's pings-per-minute throttle was reached",
  },
  outside_schedule: {
    code: 205,
    phase: "ping",
    description: "outside the campaign's hours of operation, or paused by date (the detail says which)",
  },
  capped: {
    code: 204,
    phase: "ping",
    description: "a lead or spend cap (campaign, buyer or source × campaign) is reached for the period",
  },
  held: {
    code: 210,
    phase: "ping",
    description:
      "a cap or the funds have room left, but won pings not yet posted hold it (overbooked by settings.cap_hold_overbook)",
  },
  test_only: { code: 202, phase: "ping", description: "a test campaign receives only test leads" },
  no_test_flag: {
    code: 209,
    phase: "ping",
    description: "a test lead, and the buyer's platform has no test flag: only a test campaign receives it",
  },
  // After ranking.
  below_floor: { code: 301, phase: "ping", description: "the bid is below the floor" },
  above_max_price: { code: 302, phase: "ping", description: "the bid is above the campaign's max price" },
  won: { code: 2, phase: "ping", description: "highest ranked bid; held for the post" },
  lost: { code: 303, phase: "ping", description: "lost to a higher-ranked bid (after bid adjustments)" },
  above_ceiling: {
    code: 304,
    phase: "ping",
    description: "the bid is above the source's or the vertical's ceiling (treated as a typo)",
  },
  // The post.
  post_accepted: { code: 3, phase: "post", description: "the buyer accepted the lead" },
  post_rejected: { code: 400, phase: "post", description: "the buyer rejected the lead" },
  post_duplicate: {
    code: 408,
    phase: "post",
    description: "the buyer rejected the lead as a duplicate of one it already has",
  },
  post_timeout: { code: 401, phase: "post", description: "no answer to the post in time" },
  post_error: {
    code: 402,
    phase: "post",
    description: "the post failed (HTTP error, bad answer or unreachable)",
  },
  bid_expired: { code: 403, phase: "post", description: "the held bid expired before the post" },
  post_uncertain: {
    code: 407,
    phase: "post",
    description:
      "posted before a crash (or a lapsed lease) with no recorded answer: the buyer may hold the lead, so nothing more is posted and the operator reconciles it",
  },
  not_covering: {
    code: 404,
    phase: "post",
    description: "the bid no longer covers the price quoted to the source",
  },
  post_deadline: {
    code: 405,
    phase: "post",
    description: "the post deadline passed before this buyer was tried",
  },
  // At the ping when the seller sent contact hashes, else at the post.
  suppressed: {
    code: 206,
    phase: "ping",
    description:
      "the consumer's email or phone is on a suppression list (the detail names it: global or the buyer's)",
  },
  duplicate: {
    code: 207,
    phase: "ping",
    description:
      "the consumer was sold recently: in this vertical to any buyer, or to this buyer (the detail says which)",
  },
  insufficient_funds: {
    code: 208,
    phase: "ping",
    description:
      "the buyer's prepaid balance plus credit limit does not cover the bid (the detail gives what is available)",
  },
  consent_failed: {
    code: 406,
    phase: "post",
    description:
      "the campaign requires consent proof that was missing or did not verify (the detail says why)",
  },
} as const;

export type Reason = keyof typeof REASONS;

/** One line of a lead's decision trace: what happened with one campaign at one step. */
export interface BuyerOutcome {
  campaign_id: string;
  buyer_id: string;
  reason: Reason;
  /** The bid in cents, when there was one. */
  bid_cents?: number;
  /** Time spent talking to the buyer, when the exchange did. */
  latency_ms?: number;
  /** Extra detail: the failing filter, the buyer's own reason, the HTTP status... never PII. */
  detail?: string;
}
