// Alerts on the dashboard, in headless Chromium against a real `gavel serve` with real traffic: a buyer Gavel paused
// after a failed post, a prepaid buyer low on funds and a source still sending its rotated key are listed, critical
// first, each linked to where it is dealt with; resuming the buyer from the link clears its alert. Also at phone
// width. And the duplicate windows evicting at their ceiling: an alert about the exchange itself, without a link (the
// configuration file is where it is dealt with). Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { bidder, personalInjuryLead } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, PASSWORD, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("alerts in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40), bidder("flaky", 60, { postFault: "error500" })]);
    await world.admin("/v1/admin/buyers/flaky", {
      method: "PUT",
      body: { name: "flaky buyer", status: "active", auto_pause_after_failures: 1 },
    });
    await world.admin("/v1/admin/buyers/alpha", {
      method: "PUT",
      body: { name: "alpha buyer", status: "active", funds: { credit_limit: 0 } },
    });
    await world.admin("/v1/admin/buyers/alpha/deposits", { method: "POST", body: { amount: 120 } });
  });
  after(async () => {
    await world?.close();
  });

  test("an auto-pause, low funds and a rotated key in use are listed on the dashboard, and cleared when dealt with", async () => {
    // flaky outbids alpha and fails the post (Gavel pauses it); alpha buys the lead for $40, leaving $80.
    const [sold] = await world.sendLeads(1);
    assert.equal(sold?.status, "sold");
    await world.admin("/v1/admin/sources/src-other/rotate-key", { method: "POST" });
    for (let i = 0; i < 5; i++) {
      const refused = await fetch(`${world.url}/v1/leads`, {
        method: "POST",
        headers: { authorization: "Bearer other-key", "content-type": "application/json" },
        body: JSON.stringify({ vertical: "personal_injury", lead: personalInjuryLead().full }),
      });
      assert.equal(refused.status, 401);
    }

    const page = await world.loginAs("ops@example.com");
    const alerts = page.getByTestId("alerts");
    const autoPaused = alerts.locator('li[data-alert="buyer_auto_paused"][data-subject="flaky"]');
    await autoPaused.waitFor();
    assert.match(
      await autoPaused.innerText(),
      /critical\s+flaky was paused automatically after a failed post/,
    );
    assert.match(
      await alerts.locator('li[data-alert="buyer_low_funds"][data-subject="alpha"]').innerText(),
      /warning\s+alpha has \$80\.00 left to spend \(below \$100\.00\)/,
    );
    assert.match(
      await alerts.locator('li[data-alert="source_auth_failures"][data-subject="src-other"]').innerText(),
      /5 requests refused for their key/,
    );
    const severities = await alerts.locator("li .badge").allInnerTexts();
    assert.deepEqual(severities, ["critical", "critical", "warning"], "critical first");
    await screenshot(page, "alerts-dashboard");

    const phone = await world.browser.newContext({ viewport: { width: 390, height: 844 } });
    const small = await phone.newPage();
    await small.goto(`${world.url}/console/`);
    await small.fill("input[name=email]", "ops@example.com");
    await small.fill("input[name=password]", PASSWORD);
    await small.click("button[type=submit]");
    await small.getByTestId("alerts").locator("li").first().waitFor();
    await small.waitForTimeout(300);
    const width = await small.evaluate<number>("document.documentElement.scrollWidth");
    assert.ok(width <= 390, `the dashboard is ${width} px wide at 390`);
    await screenshot(small, "alerts-dashboard-390");
    await phone.close();

    await autoPaused.getByRole("link", { name: "resume it" }).click();
    await page.getByTestId("resume-flaky").click();
    await page.getByTestId("pause-flaky").waitFor();
    await page.getByRole("link", { name: "Dashboard", exact: true }).click();
    await alerts.locator('li[data-alert="buyer_low_funds"]').waitFor();
    assert.equal(
      await alerts.locator('li[data-alert="buyer_auto_paused"]').count(),
      0,
      "resumed: no longer alerted",
    );
    await page.context().close();
  });
});

describe("the duplicate windows' alert in a browser", () => {
  /** The smallest ceiling the schema allows; each sale holds three keys (its replay guard, e-mail and phone). */
  const MAX_KEYS = 1024;
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)], (config) => ({
      ...config,
      storage: { duplicate_window_max_keys: MAX_KEYS },
      settings: { replay_guard_s: 3600 },
      verticals: [{ ...personalInjury, dedupe: { lookback_days: 30, match: ["email", "phone"] } }],
    }));
  });
  after(async () => {
    await world?.close();
  });

  test("evictions at the ceiling are listed on the dashboard as a warning about the exchange, with no link", async () => {
    const sold = await world.sendLeads(Math.ceil(MAX_KEYS / 3) + 20);
    assert.ok(
      sold.every((answer) => answer.status === "sold"),
      JSON.stringify(sold.find((a) => a.status !== "sold")),
    );
    const page = await world.loginAs("ops@example.com");
    const evictions = page
      .getByTestId("alerts")
      .locator('li[data-alert="duplicate_window_evictions"][data-subject="duplicate_windows"]');
    await evictions.waitFor();
    assert.match(
      await evictions.innerText(),
      /warning\s+Duplicate windows full \(1024 keys\): \d+ keys evicted.*storage\.duplicate_window_max_keys.*since/,
    );
    assert.equal(await evictions.locator("a").count(), 0, "no screen deals with it: no link");
    await screenshot(page, "alerts-duplicate-windows");
    await page.context().close();
  });
});
