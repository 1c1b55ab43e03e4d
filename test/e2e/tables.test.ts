// The operator's leads table sorted on the server, in headless Chromium against a real `gavel serve`: a click on a
// column header asks the server for that order (highest first, then lowest first on the next click), the arrow shows
// it, paging follows it, and changing it starts again from page 1. The expected order comes from the admin API's
// values, not from the console. Screenshot: test-output/console-leads-sorted.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { eventually } from "../helpers/eventually.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

interface AdminLead {
  id: string;
  price: number;
  buyer_price?: number;
}

describe("sortable tables in a browser", () => {
  let world: ConsoleWorld;
  let all: AdminLead[];

  before(async () => {
    // Bids from $10 to $90 on most leads: many buyer prices, and some unsold leads with none.
    world = await startConsoleWorld([bidder("alpha", 40, { price: [10, 90], bidRate: 0.8 })]);
    await world.sendLeads(32);
    ({ leads: all } = await world.admin<{ leads: AdminLead[] }>("/v1/admin/leads?limit=500"));
    assert.equal(all.length, 32);
    assert.ok(all.some((lead) => lead.buyer_price === undefined) && all.some((lead) => lead.buyer_price));
  });
  after(async () => {
    await world?.close();
  });

  /** The lead ids in the order the server sorts them: by the value (none below every price), ties by id. */
  function expected(value: (lead: AdminLead) => number, direction: "desc" | "asc"): string[] {
    const sign = direction === "asc" ? 1 : -1;
    return [...all]
      .sort((a, b) => sign * (value(a) - value(b) || (a.id < b.id ? -1 : 1)))
      .map((lead) => lead.id);
  }
  const buyerPrice = (lead: AdminLead) => lead.buyer_price ?? -1;

  /** Waits until the table shows exactly these leads, in this order (the rows link to the full ids). */
  async function shows(page: Page, ids: string[], what: string): Promise<void> {
    const rows = page.getByTestId("leads-table").locator("tbody tr");
    const shown = () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => tr.querySelector("a")?.getAttribute("href")?.split("/").pop()),
      );
    await eventually(
      async () => (JSON.stringify(await shown()) === JSON.stringify(ids) ? true : undefined),
      what,
    ).catch(async (error) => {
      assert.deepEqual(await shown(), ids, what);
      throw error;
    });
  }

  const arrow = async (header: Locator) => (await header.locator(".sort-arrow").innerText()).trim();

  test("buyer paid: highest first on the server, paged in that order; a second click flips it", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    await shows(
      page,
      all.slice(0, 25).map((lead) => lead.id),
      "newest first, as ever",
    );

    const buyerPaid = page.getByTestId("sort-buyer_price");
    await buyerPaid.click();
    const highestFirst = expected(buyerPrice, "desc");
    await shows(page, highestFirst.slice(0, 25), "highest buyer price first");
    assert.equal((await page.locator("th[aria-sort=descending]").innerText()).trim(), "buyer paid ▼");
    assert.equal(await arrow(page.getByTestId("sort-created_at")), "↕");
    await screenshot(page, "leads-sorted");

    // The next page continues the same order: the cheapest sales, then the unsold leads (no buyer price).
    await page.getByRole("button", { name: "Lower →" }).click();
    await page.getByText("page 2").waitFor();
    await shows(page, highestFirst.slice(25), "the rest, still highest first");
    assert.equal(await page.getByRole("button", { name: "Lower →" }).isDisabled(), true, "the last page");

    // The other way: a new order starts again at page 1, lowest first (unsold leads first).
    await buyerPaid.click();
    await page.getByText("page 1").waitFor();
    await shows(page, expected(buyerPrice, "asc").slice(0, 25), "lowest buyer price first");
    assert.equal(await arrow(buyerPaid), "▲");

    // Another column: what the source was paid, highest first.
    await page.getByTestId("sort-price").click();
    await shows(page, expected((lead) => lead.price, "desc").slice(0, 25), "highest source payout first");
    assert.equal(await arrow(page.getByTestId("sort-price")), "▼");
    await page.context().close();
  });
});
