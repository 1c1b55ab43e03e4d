// The operator's configuration screens in headless Chromium against a real `gavel serve`: a campaign created through
// the form's structured editors, a price that is not a number and invalid JSON refused in the browser, a bad value
// refused by the server next to its field, then "test this campaign" shows the raw exchange with the campaign's bid.
// Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("configuration screens in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  test("the operator creates a campaign, sees a bad value refused with its field, and tests it", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.getByTestId("campaigns-table").getByText("alpha campaign").waitFor();
    await page.getByRole("button", { name: "New" }).click();
    const form = page.getByTestId("campaigns-form");
    const postUrl = world.farm.buyers.alpha?.post;
    assert.ok(postUrl);
    await form.locator('input[name="id"]').fill("screen-made");
    await form.locator('input[name="name"]').fill("Made on screen");
    await form.locator('select[name="buyer_id"]').selectOption("alpha");
    await form.locator('select[name="vertical"]').selectOption("personal_injury");
    await form.locator('input[name="post.url"]').fill(postUrl);
    await form.locator('input[name="post.timeout_ms"]').fill("1000");

    // A price that is not a number never leaves the browser.
    await form.locator('select[name="pricing.type"]').selectOption("fixed");
    await form.locator('input[name="pricing.price"]').fill("fifty");
    await form.getByRole("button", { name: "Save" }).click();
    assert.match(await form.getByTestId("error-pricing").innerText(), /must be a number/);
    await form.locator('input[name="pricing.price"]').fill("55");

    // Nor does invalid JSON typed through a field's JSON switch; valid JSON goes back into the form's rows.
    await form.getByTestId("json-toggle-filters").click();
    await form.locator('textarea[name="filters"]').fill('[{"field":"state",');
    await form.getByRole("button", { name: "Save" }).click();
    assert.match(await form.getByTestId("error-filters").innerText(), /not valid JSON/);
    await form.locator('textarea[name="filters"]').fill('[{"field":"state","op":"in","value":["CA","NY"]}]');
    await form.getByTestId("json-toggle-filters").click();
    assert.equal(await form.locator('input[name="filters.0.value"]').inputValue(), "CA, NY");
    assert.equal(await form.getByTestId("error-filters").count(), 0);

    // A value the server refuses comes back next to the field it names.
    await form.locator('input[name="return_window_days"]').fill("500");
    await form.getByRole("button", { name: "Save" }).click();
    const refused = await form.getByTestId("error-return_window_days").innerText();
    assert.match(refused, /GAVEL_VALIDATION/);
    await screenshot(page, "config-campaign-refused");

    await form.locator('input[name="return_window_days"]').fill("7");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    await page.getByTestId("campaigns-table").getByText("Made on screen").waitFor();

    await page.getByTestId("test-source-screen-made").selectOption("src-main");
    await page.getByTestId("test-screen-made").click();
    const result = page.getByTestId("test-result-screen-made");
    await result.waitFor();
    // A fixed-price campaign is not pinged: no wire exchange, and the whole answer as JSON (textContent: it is folded).
    await page.getByTestId("wire-none-screen-made").waitFor();
    const exchange = JSON.parse((await page.getByTestId("test-json-screen-made").textContent()) ?? "");
    assert.equal(exchange.ping.status, "bid", JSON.stringify(exchange));
    assert.equal(exchange.source_id, "src-main");
    assert.equal(exchange.trace[0]?.campaign_id, "screen-made");
    assert.equal(exchange.trace[0]?.bid, 55);
    await screenshot(page, "config-campaign-tested");
    await page.context().close();
  });
});
