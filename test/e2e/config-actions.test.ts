// The operator's configuration actions in headless Chromium against a real `gavel serve`: "test this campaign" shows
// the very request its buyer received and the buyer's answer; a buyer API key issued on the Buyers screen works at
// once; a buyer still used by a campaign cannot be deleted (the screen says which), and once its campaign is deleted
// it can; a console user is deleted from the Users screen. Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bidder, realtimeCampaign } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("configuration actions in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  test("test this campaign shows the request the buyer received and its answer", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await world.farm.clearRequests();
    await page.getByTestId("test-alpha").click();
    const request = await page.getByTestId("wire-request-alpha").innerText();
    const [received] = (await world.farm.requests()).filter((r) => r.kind === "ping" && r.buyer === "alpha");
    assert.ok(received, "the buyer was pinged");
    assert.match(request, new RegExp(`^POST http://[^ ]+${received.path}\\b`));
    const shownBody = JSON.parse(request.slice(request.indexOf("\n\n") + 2));
    assert.deepEqual(shownBody, JSON.parse(received.body), "the body shown is the body the buyer received");
    const answer = await page.getByTestId("wire-response-alpha").innerText();
    assert.match(answer, /^HTTP 200 in \d+ ms/);
    assert.match(answer, /"price": 40/);
    await screenshot(page, "config-test-raw-exchange");
    await page.context().close();
  });

  test("a buyer API key issued on the Buyers screen works at once", async () => {
    const page = await world.loginAs("ops@example.com");
    page.on("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    await page.getByTestId("rotate-alpha").click();
    const key = (await page.getByTestId("key-alpha").innerText()).trim();
    const account = await fetch(`${world.url}/v1/buyer/account`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(account.status, 200, await account.text());
    await page.context().close();
  });

  test("a buyer with a campaign cannot be deleted until its campaign is", async () => {
    await world.admin("/v1/admin/buyers/gamma", { method: "PUT", body: { name: "Gamma", status: "active" } });
    await world.admin("/v1/admin/campaigns/gamma-pi", {
      method: "PUT",
      body: realtimeCampaign(world.farm, "alpha", { id: "gamma-pi", buyer_id: "gamma", name: "Gamma PI" }),
    });
    const page = await world.loginAs("ops@example.com");
    page.on("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    await page.getByTestId("delete-gamma").click();
    assert.match(await page.getByTestId("delete-problem-gamma").innerText(), /campaign gamma-pi/);
    await screenshot(page, "config-delete-refused");

    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    const campaigns = page.getByTestId("campaigns-table");
    await campaigns.getByText("Gamma PI").waitFor();
    await page.getByTestId("delete-gamma-pi").click();
    await campaigns.getByText("Gamma PI").waitFor({ state: "detached" });

    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    await page.getByTestId("delete-gamma").click();
    await page.getByTestId("delete-gamma").waitFor({ state: "detached" });
    const buyers = await world.admin<{ buyers: { id: string }[] }>("/v1/admin/buyers");
    assert.deepEqual(
      buyers.buyers.map((buyer) => buyer.id),
      ["alpha"],
    );
    await page.context().close();
  });

  test("a console user is deleted from the Users screen; one the configuration file defines is not", async () => {
    await world.admin("/v1/console/users", {
      method: "POST",
      body: {
        email: "leaving@example.com",
        role: "buyer",
        party_id: "alpha",
        password: "a long enough password",
      },
    });
    const page = await world.loginAs("ops@example.com");
    page.on("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: "Users", exact: true }).click();
    const users = page.getByTestId("users-table");
    await users.getByText("leaving@example.com").waitFor();
    await page.getByTestId("delete-leaving@example.com").click();
    await users.getByText("leaving@example.com").waitFor({ state: "detached" });

    await page.getByTestId("delete-ops@example.com").click();
    assert.match(await page.getByTestId("delete-problem-ops@example.com").innerText(), /configuration file/);
    await users.getByRole("cell", { name: "ops@example.com", exact: true }).waitFor();
    await page.context().close();
  });
});
