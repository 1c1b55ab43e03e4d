// A buyer's status says why it is not buying, in headless Chromium against a real `gavel serve`: one auto-paused after
// a failed post reads "auto-paused" with the count and when, on the Buyers list and the dashboard; one paused from the
// list by an operator names that operator's e-mail; resumed, both read active again. Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("a buyer's standing in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40), bidder("flaky", 60, { postFault: "error500" })]);
    await world.admin("/v1/admin/buyers/flaky", {
      method: "PUT",
      body: { name: "flaky buyer", status: "active", auto_pause_after_failures: 1 },
    });
  });
  after(async () => {
    await world?.close();
  });

  test("auto-paused after failures, and paused by whom, each said where the buyer is listed", async () => {
    // flaky outbids alpha and fails the post: alpha buys the lead, and flaky is paused by Gavel.
    const [sold] = await world.sendLeads(1);
    assert.equal(sold?.status, "sold");
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    await page.getByTestId("pause-alpha").click();
    const alpha = page.getByTestId("standing-alpha");
    await alpha.getByText(/paused by ops@example\.com/).waitFor();
    // Gavel's own pause lands within a moment of the sale (the post failure is counted after the answer).
    for (let tries = 0; ; tries++) {
      const buyers = await world.admin<{ buyers: { id: string; status: string }[] }>("/v1/admin/buyers");
      if (buyers.buyers.find((buyer) => buyer.id === "flaky")?.status === "paused") break;
      assert.ok(tries < 50, "flaky was auto-paused");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await page.reload();
    const flaky = page.getByTestId("standing-flaky");
    await flaky.getByText(/not buying: auto-paused after a failed post, /).waitFor();
    await page.getByTestId("buyers-table").getByText("auto-paused", { exact: true }).waitFor();
    await screenshot(page, "buyer-standing-paused-by-whom");

    await page.getByRole("link", { name: "Dashboard", exact: true }).click();
    await page
      .getByTestId("buyer-status-flaky")
      .getByText(/auto-paused after a failed post/)
      .waitFor();
    await page
      .getByTestId("buyer-status-alpha")
      .getByText(/paused by ops@example\.com/)
      .waitFor();
    await screenshot(page, "buyer-standing-dashboard");

    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    await page.getByTestId("resume-flaky").click();
    await page.getByTestId("resume-alpha").click();
    await page.getByTestId("pause-alpha").waitFor();
    await page.getByTestId("pause-flaky").waitFor();
    assert.equal(await page.getByTestId("standing-alpha").count(), 0, "nothing to explain once active");
    assert.equal(await page.getByTestId("standing-flaky").count(), 0);
    await page.context().close();
  });
});
