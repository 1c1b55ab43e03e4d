// Finding a consumer's leads in the operator's console, in headless Chromium against a real `gavel serve`: an email
// typed any way shows exactly the leads sent with it (the ids come from the seller's answers, not from the console);
// a phone finds the same; "All leads" goes back; a contact that is neither says so. Screenshot:
// test-output/console-lead-search.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { eventually } from "../helpers/eventually.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("lead search by consumer in a browser", () => {
  let world: ConsoleWorld;
  let sent: string[];

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
    // The nth lead is person<n>@example.com, (212) 555-<1000 + n> (see sendLeads).
    sent = (await world.sendLeads(6)).map((answer) => answer.lead_id);
  });
  after(async () => {
    await world?.close();
  });

  const shownIds = (page: Page) =>
    page
      .getByTestId("leads-table")
      .locator("tbody tr a")
      .evaluateAll((links) => links.map((link) => link.getAttribute("href")?.split("/").pop()));

  async function shows(page: Page, ids: string[], what: string): Promise<void> {
    await eventually(
      async () => (JSON.stringify(await shownIds(page)) === JSON.stringify(ids) ? true : undefined),
      what,
    ).catch(async (error) => {
      assert.deepEqual(await shownIds(page), ids, what);
      throw error;
    });
  }

  test("an email or a phone finds that consumer's leads; All leads goes back", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    await shows(page, [...sent].reverse(), "every lead, newest first");

    await page.fill("input[name=contact]", "  PERSON4@example.com ");
    await page.getByRole("button", { name: "Find" }).click();
    await shows(page, [sent[3]!], "the fourth consumer's lead, by email");
    await page.getByTestId("contact-search").waitFor();
    await screenshot(page, "console-lead-search");

    await page.fill("input[name=contact]", "212.555.1002");
    await page.getByRole("button", { name: "Find" }).click();
    await shows(page, [sent[1]!], "the second consumer's lead, by phone");

    await page.getByRole("button", { name: "All leads" }).click();
    await shows(page, [...sent].reverse(), "every lead again");

    await page.fill("input[name=contact]", "nobody-at-all");
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByText("contact is not a 10-digit US phone number").waitFor();
    await page.context().close();
  });
});
