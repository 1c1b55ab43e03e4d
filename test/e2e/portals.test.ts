// The portals' own controls in headless Chromium against a real `gavel serve`: a buyer user reads its account (what it
// spent) and pauses and resumes its campaign; a source user reads its integration guide and rotates its API key, after
// which the old key is refused and the new one works. Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { bidder, SOURCE_KEY } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("portals in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
    const answers = await world.sendLeads(3);
    assert.ok(
      answers.every((answer) => answer.status === "sold"),
      JSON.stringify(answers),
    );
  });
  after(async () => {
    await world?.close();
  });

  test("a buyer user sees what it spent and pauses and resumes its campaign", async () => {
    const page = await world.loginAs("alpha@example.com");
    await page.getByRole("link", { name: "Account", exact: true }).click();
    await eventually(
      async () => ((await page.getByTestId("buyer-spent").innerText()) === "$120.00" ? true : undefined),
      "what it spent",
    );
    const row = page.locator("[data-testid^=campaign-]").first();
    await row.locator(".badge-active").waitFor();
    await row.getByRole("button", { name: "Pause" }).click();
    await row.getByRole("button", { name: "Resume" }).waitFor();
    await row.locator(".badge-paused").waitFor();
    await screenshot(page, "buyer-account");
    await row.getByRole("button", { name: "Resume" }).click();
    await row.getByRole("button", { name: "Pause" }).waitFor();
    await page.context().close();
  });

  test("a source user reads its integration guide and rotates its key; the old key stops working", async () => {
    const page = await world.loginAs("source@example.com");
    await page.getByRole("link", { name: "API key and guide" }).click();
    const guide = page.getByTestId("guide-personal_injury");
    await guide.getByText('"test":true').first().waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByTestId("rotate-key").click();
    const shown = await page.getByTestId("new-key").locator("code").innerText();
    assert.match(shown, /^gvl_/);
    await screenshot(page, "source-integration");
    await page.context().close();

    const ping = (key: string) =>
      fetch(`${world.url}/v1/verticals`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal((await ping(SOURCE_KEY)).status, 401, "the old key is refused");
    assert.equal((await ping(shown)).status, 200, "the new key works");
  });
});
