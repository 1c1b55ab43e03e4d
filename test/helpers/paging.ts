// Walks a keyset-paged admin list to its end, following next_before, as the console's pager does.
import assert from "node:assert/strict";
import type { Harness } from "./exchange-harness.ts";

/** The ids of every item of `path` (whose answer lists them under `key`), `limit` a page, in the order served. */
export async function walkPages(h: Harness, path: string, key: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const query = `${path.includes("?") ? "&" : "?"}limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
    const { status, body } = await h.admin("GET", `${path}${query}`);
    assert.equal(status, 200, JSON.stringify(body));
    ids.push(...(body[key] as { id: string }[]).map((item) => item.id));
    if (!body.next_before) return ids;
    before = body.next_before;
  }
  assert.fail(`${path} did not stop paging`);
}
