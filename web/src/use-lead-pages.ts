// Keyset paging over a leads API, newest first: each page asks for the leads `before` the last one of the page before.
import { useState } from "react";
import { get } from "./api.ts";
import { useData } from "./use-data.ts";

export const PAGE_SIZE = 25;

export function useLeadPages<T extends { id: string }>(path: string, filters: Record<string, string> = {}) {
  // The `before` of every page seen so far, so "Newer" goes back one.
  const [cursors, setCursors] = useState<string[]>([]);
  const before = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (before) query.set("before", before);
  const url = `${path}?${query}`;
  const { data, error } = useData(url, () => get<{ leads: T[]; next_before?: string }>(url));
  const leads = data?.leads ?? [];
  // The admin API does not say next_before: a full page means there may be more.
  const next = data?.next_before ?? (leads.length === PAGE_SIZE ? leads[leads.length - 1]!.id : undefined);
  return {
    leads,
    loaded: data !== undefined,
    error,
    /** Back to the newest page (after a filter changes). */
    restart: () => setCursors([]),
    pager: { cursors, onChange: setCursors, ...(next ? { next } : {}) },
  };
}
