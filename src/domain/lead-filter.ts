// The lead list's filters beyond source and status (the console's lead list and its CSV export): buyer, campaign,
// vertical, sub-id, test traffic, returned, and a time range. The store turns them into SQL conditions
// (src/store/sql/lead-queries.ts); a lead read some other way (one consumer's leads) is judged here.

export interface LeadFilter {
  /** The lead's (first) buyer. */
  buyer_id?: string;
  campaign_id?: string;
  vertical?: string;
  sub_id?: string;
  /** true: test traffic only; false: live only; absent: both. */
  test?: boolean;
  /** true: leads with an approved return; false: without one; absent: both. */
  returned?: boolean;
  /** Created at or after (epoch ms). */
  from?: number;
  /** Created before (epoch ms). */
  to?: number;
}

/** The filters that compare one lead column with a value. */
export const LEAD_COLUMN_FILTERS = ["buyer_id", "campaign_id", "vertical", "sub_id"] as const;

/**
 * Whether a lead read some other way (one consumer's leads, found by hash) passes the filter's column and time
 * conditions; `returned` needs the returns table and is not judged here.
 */
export function matchesLeadFilter(
  lead: Partial<Record<(typeof LEAD_COLUMN_FILTERS)[number], string>> & { test: boolean; created_at: number },
  filter: LeadFilter,
): boolean {
  return (
    LEAD_COLUMN_FILTERS.every((column) => filter[column] === undefined || lead[column] === filter[column]) &&
    (filter.test === undefined || lead.test === filter.test) &&
    (filter.from === undefined || lead.created_at >= filter.from) &&
    (filter.to === undefined || lead.created_at < filter.to)
  );
}
