// The what-if screen in headless Chromium against a real `gavel serve`: real traffic is recorded first (direct posts
// the buyers' servers bid on and accept), then the operator replays it with a change to a buyer's cap, and (from the
// campaign screen's link) to a campaign's max price, and reads the deltas, each worked out by hand below. Screenshots
// go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

/** The rows of a result table, as their cells' text. */
async function rowsOf(page: Page, testId: string): Promise<string[][]> {
  return page
    .getByTestId(testId)
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent ?? "")),
    );
}

describe("what-if replay in a browser", () => {
  let world: ConsoleWorld;
  const LEADS = 6;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40), bidder("beta", 30)]);
    // Recorded traffic: alpha ($40) outbids beta ($30) on every lead and takes it; the source is paid 80%.
    const answers = await world.sendLeads(LEADS);
    assert.ok(
      answers.every((answer) => answer.status === "sold"),
      JSON.stringify(answers),
    );
  });
  after(async () => {
    await world?.close();
  });

  test("a buyer's daily cap: the leads past it go to the next bidder, at its price", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "What if", exact: true }).click();
    await page.locator('select[name="kind"]').selectOption("buyer");
    await page.locator('select[name="entity"]').selectOption("alpha");
    await page.locator('input[name="buyer_cap_day"]').fill("2");
    assert.match(
      await page.getByTestId("what-if-changes").innerText(),
      /caps: not set → \{"leads":\{"day":2\}\}/,
    );
    await page.getByTestId("run-what-if").click();
    await page.getByTestId("what-if-result").waitFor();

    // As recorded: 6 × $40 from buyers, 6 × $32 to the source. With the cap: alpha 2 × $40, beta 4 × $30 (beta was
    // never posted these leads, so its accept is assumed: 4 assumptions), the source 2 × $32 + 4 × $24.
    const totals = await rowsOf(page, "what-if-totals");
    assert.deepEqual(totals, [
      ["leads posted", "6", "6", "6", ""],
      ["sold", "6", "6", "6", "0"],
      ["sell-through", "100.0%", "100.0%", "100.0%", "0.0 pts"],
      ["buyer revenue", "$240.00", "$240.00", "$200.00", "\u2212$40.00"],
      ["source payouts", "$192.00", "$192.00", "$160.00", "\u2212$32.00"],
      ["margin", "$48.00", "$48.00", "$40.00", "\u2212$8.00"],
    ]);
    assert.deepEqual(await rowsOf(page, "what-if-buyers"), [
      ["alpha", "6", "2", "\u22124", "$240.00", "$80.00"],
      ["beta", "0", "4", "+4", "$0.00", "$120.00"],
    ]);
    assert.match(
      await page.getByTestId("what-if-assumptions").innerText(),
      /4 posts with no recorded answer/,
    );
    await screenshot(page, "what-if-buyer-cap");
    await page.context().close();
  });

  test("from the campaign screen: a max price below the campaign's bids hands every lead to the next bidder", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.locator("tr", { hasText: "alpha campaign" }).getByRole("link", { name: "What if…" }).click();
    assert.equal(await page.locator('select[name="kind"]').inputValue(), "campaign");
    await page.waitForFunction(
      `document.querySelector('select[name="entity"]')?.value === "alpha" && !!document.querySelector('input[name="max_price"]')`,
    );
    await page.locator('input[name="max_price"]').fill("35");
    await page.getByTestId("run-what-if").click();
    await page.getByTestId("what-if-result").waitFor();
    // alpha's $40 bids are above its $35 max price: beta takes all 6 at $30, the source is paid 6 × $24.
    const totals = await rowsOf(page, "what-if-totals");
    assert.deepEqual(totals.slice(3), [
      ["buyer revenue", "$240.00", "$240.00", "$180.00", "\u2212$60.00"],
      ["source payouts", "$192.00", "$192.00", "$144.00", "\u2212$48.00"],
      ["margin", "$48.00", "$48.00", "$36.00", "\u2212$12.00"],
    ]);
    assert.deepEqual(await rowsOf(page, "what-if-buyers"), [
      ["alpha", "6", "0", "\u22126", "$240.00", "$0.00"],
      ["beta", "0", "6", "+6", "$0.00", "$180.00"],
    ]);
    await screenshot(page, "what-if-campaign-max-price");

    // The escape hatch: the same change as JSON, edited further (the source's fallback rule, a floor above beta).
    await page.getByRole("button", { name: "edit as JSON" }).click();
    const text = await page.locator('textarea[name="candidate"]').inputValue();
    const candidate = JSON.parse(text) as { campaigns: { id: string; pricing: unknown }[] };
    assert.deepEqual(candidate.campaigns[0]!.pricing, { type: "realtime", max_price: 35 });
    await page
      .locator('textarea[name="candidate"]')
      .fill(JSON.stringify({ ...candidate, verticals: undefined, settings: {}, sources: undefined }));
    await page.getByTestId("run-what-if").click();
    await page.getByTestId("what-if-result").waitFor();
    assert.equal(await page.getByTestId("delta-margin").innerText(), "\u2212$12.00");

    // A candidate the exchange refuses is said, with the field at fault.
    await page.locator('textarea[name="candidate"]').fill('{"campaigns": [{"id": "alpha"}]}');
    await page.getByTestId("run-what-if").click();
    await page.getByTestId("problem").waitFor();
    assert.match(await page.getByTestId("problem").innerText(), /campaigns|buyer_id|required/i);
    await screenshot(page, "what-if-json-refused");
    await page.context().close();
  });
});
