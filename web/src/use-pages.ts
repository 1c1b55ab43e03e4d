// Keyset paging over a list API, in the order the server sorts: each page asks for the items `before` (after, in that
// order) the last one of the page before, which the server answers as `next_before` on a full page. Any change of
// filters or sort starts again from the first page.
import { useState } from "react";
import { get } from "./api.ts";
import { useData } from "./use-data.ts";

export const PAGE_SIZE = 25;

/** `key` names the answer's list: `leads`, `items`, `returns`. */
export function usePages<T extends { id: string }>(
  path: string,
  key: string,
  filters: Record<string, string> = {},
) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  // The `before` of every page seen so far, so "Newer" goes back one; kept only for the filters they were read with.
  const [paging, setPaging] = useState({ of: String(query), cursors: [] as string[] });
  const cursors = paging.of === String(query) ? paging.cursors : [];
  const setCursors = (next: string[]) => setPaging({ of: String(query), cursors: next });
  const before = cursors[cursors.length - 1];
  if (before) query.set("before", before);
  const url = `${path}?${query}`;
  const { data, error, reload } = useData(url, () =>
    get<Record<string, unknown> & { next_before?: string }>(url),
  );
  const items = (data?.[key] as T[] | undefined) ?? [];
  return {
    items,
    loaded: data !== undefined,
    error,
    /** Reads the page shown again (after an action on one of its items). */
    reload,
    pager: { cursors, onChange: setCursors, ...(data?.next_before ? { next: data.next_before } : {}) },
  };
}

/** A page of leads (the admin, buyer and source lists all answer `leads`). */
export function useLeadPages<T extends { id: string }>(path: string, filters: Record<string, string> = {}) {
  const { items, ...rest } = usePages<T>(path, "leads", filters);
  return { leads: items, ...rest };
}
