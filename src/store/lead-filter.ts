// The lead list's filters beyond source and status (the console's lead list and its CSV export): buyer, campaign,
// vertical, sub-id, test traffic, returned, and a time range; written once as SQL conditions both stores append to
// their listLeads walks, with placeholders in each dialect's style. They narrow the walk row by row (no index of
// their own), which is fine for a list read a page at a time.

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

const COLUMN_FILTERS = ["buyer_id", "campaign_id", "vertical", "sub_id"] as const;

/**
 * ` AND …` conditions for the filter and their parameters, numbered from `first` as `placeholder` writes them (`?4`,
 * `$4`). `test` is passed as the dialect stores it (SQLite 0/1, PostgreSQL boolean).
 */
export function leadFilterSql(
  filter: LeadFilter,
  placeholder: (index: number) => string,
  first: number,
  testValue: (test: boolean) => unknown,
): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return placeholder(first + params.length - 1);
  };
  for (const column of COLUMN_FILTERS) {
    const value = filter[column];
    if (value !== undefined) conditions.push(`${column} = ${bind(value)}`);
  }
  if (filter.test !== undefined) conditions.push(`test = ${bind(testValue(filter.test))}`);
  if (filter.from !== undefined) conditions.push(`created_at >= ${bind(filter.from)}`);
  if (filter.to !== undefined) conditions.push(`created_at < ${bind(filter.to)}`);
  if (filter.returned !== undefined)
    conditions.push(
      `${filter.returned ? "" : "NOT "}EXISTS (SELECT 1 FROM returns WHERE returns.lead_id = leads.id AND returns.status = 'approved')`,
    );
  return { sql: conditions.map((condition) => ` AND ${condition}`).join(""), params };
}

/**
 * Whether a lead read some other way (one consumer's leads, found by hash) passes the filter's column and time
 * conditions; `returned` needs the returns table and is not judged here.
 */
export function matchesLeadFilter(
  lead: Partial<Record<(typeof COLUMN_FILTERS)[number], string>> & { test: boolean; created_at: number },
  filter: LeadFilter,
): boolean {
  return (
    COLUMN_FILTERS.every((column) => filter[column] === undefined || lead[column] === filter[column]) &&
    (filter.test === undefined || lead.test === filter.test) &&
    (filter.from === undefined || lead.created_at >= filter.from) &&
    (filter.to === undefined || lead.created_at < filter.to)
  );
}
