// The lead list's filters and export in headless Chromium against a real `gavel serve`: filtered by buyer, by
// returned and by traffic, the table shows only the matching leads; the export downloads every lead the filters
// match (more than a page on screen), as CSV. Screenshots go to test-output/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

/** A page condition: the lead table shows this many rows. */
const rowsAre = (count: number) =>
  `document.querySelectorAll('[data-testid="leads-table"] tbody tr').length === ${count}`;

describe("lead list filters in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40), bidder("beta", 30)]);
  });
  after(async () => {
    await world?.close();
  });

  test("filters narrow the table, and the export holds every matching lead", async () => {
    const alphaLeads = await world.sendLeads(30);
    await world.admin("/v1/admin/buyers/alpha/pause", { method: "POST" });
    const betaLeads = await world.sendLeads(2);
    await world.admin("/v1/admin/buyers/alpha/resume", { method: "POST" });
    const returned = alphaLeads[0]!.lead_id;
    const filed = await world.admin<{ return: { id: string } }>(`/v1/admin/leads/${returned}/returns`, {
      method: "POST",
      body: { reason: "invalid_contact" },
    });
    await world.admin(`/v1/admin/returns/${filed.return.id}/approve`, { method: "POST" });

    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    const rows = page.getByTestId("leads-table").locator("tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 25, "a page of the 32");

    await page.locator('select[name="buyer_id"]').selectOption("beta");
    await page.waitForFunction(rowsAre(2));
    const shown = await page.getByTestId("leads-table").locator("tbody tr td:first-child a").allInnerTexts();
    assert.deepEqual(shown.toSorted(), betaLeads.map((lead) => lead.lead_id.slice(-12)).toSorted());

    await page.locator('select[name="buyer_id"]').selectOption("");
    await page.locator('select[name="returned"]').selectOption("true");
    await page.waitForFunction(rowsAre(1));
    assert.equal(
      await page.getByTestId("leads-table").locator("tbody tr td:first-child a").innerText(),
      returned.slice(-12),
    );
    await screenshot(page, "lead-filters-returned");

    // The whole filtered list, not the page: alpha's 30 leads against 25 on screen.
    await page.locator('select[name="returned"]').selectOption("");
    await page.locator('select[name="buyer_id"]').selectOption("alpha");
    await page.locator('select[name="test"]').selectOption("false");
    await page.waitForFunction(rowsAre(25));
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("export-leads").click(),
    ]);
    const lines = readFileSync((await download.path())!, "utf8")
      .trimEnd()
      .split("\r\n");
    assert.match(lines[0]!, /^"lead_id","created_at"/);
    assert.equal(lines.length, 1 + 30);
    assert.deepEqual(
      lines
        .slice(1)
        .map((line) => line.split(",")[0]!.replaceAll('"', ""))
        .toSorted(),
      alphaLeads.map((lead) => lead.lead_id).toSorted(),
    );
    await screenshot(page, "lead-filters-export");
    await page.context().close();
  });
});
