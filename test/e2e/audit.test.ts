// The operator's Audit screen in headless Chromium against a real `gavel serve`: a failed login, the operator's own
// login and a campaign paused through the admin API all show, with who, from where and the change as
// "status: active → paused"; the kind filter narrows the list to failed logins. Screenshot: test-output/console-audit.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("the audit trail in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  test("shows logins and a configuration change with its diff; filters by kind", async () => {
    const failed = await fetch(`${world.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ops@example.com", password: "wrong-password-1" }),
    });
    assert.equal(failed.status, 401);
    const campaign = await world.admin<Record<string, unknown>>("/v1/admin/campaigns/alpha");
    await world.admin("/v1/admin/campaigns/alpha", {
      method: "PUT",
      body: { ...campaign, status: "paused" },
    });

    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    const table = page.getByTestId("audit-table");
    await table.waitFor();
    const rows = () => page.getByTestId("audit-row").allInnerTexts();
    await eventually(async () => ((await rows()).length >= 3 ? true : undefined), "three events listed");
    const text = (await rows()).join("\n");
    assert.match(
      text,
      /configuration saved\s+campaign:alpha\s+admin API key\s+\S+\s+status: active → paused/,
    );
    assert.match(text, /login failed\s+login\s+ops@example\.com\s+\S+\s+GAVEL_UNAUTHORIZED/);
    assert.match(text, /login\s+user:\S+\s+\S+ \(operator\)/);
    assert.ok(!text.includes("wrong-password-1"), "never the password");
    await screenshot(page, "audit");

    await page.getByLabel("kind").selectOption("login.failure");
    await eventually(async () => {
      const shown = await rows();
      return shown.length === 1 && shown[0]!.includes("login failed") ? true : undefined;
    }, "only the failed login");
  });
});
