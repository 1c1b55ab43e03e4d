// The configuration's remaining JSON boxes as forms, in headless Chromium against a real `gavel serve`: a source's
// verticals (ticked) and sub-ids, a buyer's prepaid funds and notices, a vertical's duplicate check and routing, each
// saved without typing JSON, with help beside the settings; the JSON escape hatch still shows the same value.
// Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("configuration forms in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  const editRow = async (page: import("playwright-core").Page, plural: string, id: string) => {
    await page
      .getByTestId(`${plural}-table`)
      .locator("tr", { has: page.getByRole("cell", { name: id, exact: true }) })
      .getByRole("button", { name: "Edit" })
      .click();
    return page.getByTestId(`${plural}-form`);
  };
  const jsonBoxes = async (form: import("playwright-core").Locator) => {
    const names = [];
    for (const area of await form.locator("textarea").all()) names.push(await area.getAttribute("name"));
    return names;
  };

  test("a source's verticals and sub-ids", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Sources", exact: true }).click();
    const form = await editRow(page, "sources", "src-main");
    await form.getByLabel(/Personal injury/).check();
    await form.locator('input[name="sub_ids"]').fill("google-1, meta-2");
    assert.match(await form.locator("#help-sub_ids").innerText(), /sub_id not listed here is refused/);
    assert.deepEqual(await jsonBoxes(form), ["postback"], "only the postback is still JSON");
    await screenshot(page, "config-forms-source");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    const source = await world.admin<{ verticals?: string[]; sub_ids?: string[] }>(
      "/v1/admin/sources/src-main",
    );
    assert.deepEqual([source.verticals, source.sub_ids], [["personal_injury"], ["google-1", "meta-2"]]);

    await form.getByTestId("json-toggle-sub_ids").click();
    assert.deepEqual(JSON.parse(await form.locator('textarea[name="sub_ids"]').inputValue()), [
      "google-1",
      "meta-2",
    ]);
    await page.context().close();
  });

  test("a buyer's prepaid funds and notices", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    const form = await editRow(page, "buyers", "alpha");
    await form.getByLabel(/prepaid/).check();
    await form.locator('input[name="funds.credit_limit"]').fill("250");
    await form.getByLabel("notice URL").fill("https://alpha.example/gavel-notices");
    await form.getByLabel("win", { exact: true }).check();
    await form.getByLabel("refund", { exact: true }).check();
    assert.deepEqual(await jsonBoxes(form), []);
    await screenshot(page, "config-forms-buyer");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    const buyer = await world.admin<{ funds?: unknown; notices?: unknown }>("/v1/admin/buyers/alpha");
    assert.deepEqual(buyer.funds, { credit_limit: 250 });
    assert.deepEqual(buyer.notices, {
      url: "https://alpha.example/gavel-notices",
      events: ["win", "refund"],
    });

    // A check made in the browser names the field before the server is asked.
    await form.locator('input[name="funds.credit_limit"]').fill("-5");
    await form.getByRole("button", { name: "Save" }).click();
    assert.match(await form.getByTestId("error-funds").innerText(), /0 or more/);
    await page.context().close();
  });

  test("a vertical's duplicate check and routing", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Verticals", exact: true }).click();
    const form = await editRow(page, "verticals", "personal_injury");
    const dedupeOn = form.locator('input[name="dedupe.on"]');
    if (!(await dedupeOn.isChecked())) await dedupeOn.check();
    await form.getByLabel("lookback days").fill("45");
    const phone = form.locator('input[name="dedupe.match.phone"]');
    if (await phone.isChecked()) await phone.uncheck();
    await form.locator('input[name="dedupe.match.email"]').check();
    await form.getByLabel("routing mode").selectOption("priority");
    await form.locator('input[name="routing.max_buyers"]').fill("2");
    assert.deepEqual(await jsonBoxes(form), [], "no JSON box left: the fields have their own form");
    // The fields as rows: one more, an enum the ping carries, added without typing JSON.
    const before = await world.admin<{ fields: { name: string }[] }>("/v1/admin/verticals/personal_injury");
    await form.getByRole("button", { name: "Add field" }).click();
    const row = `fields.${before.fields.length}`;
    await form.locator(`input[name="${row}.name"]`).fill("lead_source");
    await form.locator(`select[name="${row}.type"]`).selectOption("enum");
    await form.locator(`input[name="${row}.values"]`).fill("web, phone");
    await form.locator(`input[name="${row}.required"]`).check();
    await screenshot(page, "config-forms-vertical");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    const vertical = await world.admin<{ dedupe?: unknown; routing?: unknown; fields: { name: string }[] }>(
      "/v1/admin/verticals/personal_injury",
    );
    assert.deepEqual(vertical.dedupe, { lookback_days: 45, match: ["email"] });
    assert.deepEqual(vertical.routing, { mode: "priority", max_buyers: 2 });
    assert.deepEqual(vertical.fields.slice(0, -1), before.fields, "the other fields unchanged");
    assert.deepEqual(vertical.fields.at(-1), {
      name: "lead_source",
      type: "enum",
      pii: false,
      required: true,
      values: ["web", "phone"],
    });
    // The JSON switch shows the same fields.
    await form.getByTestId("json-toggle-fields").click();
    assert.deepEqual(JSON.parse(await form.locator('textarea[name="fields"]').inputValue()), vertical.fields);
    await page.context().close();
  });
});
