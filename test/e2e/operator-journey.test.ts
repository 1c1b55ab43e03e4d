// Issue 16's "done when", in headless Chromium against a real `gavel serve` with simulated buyers: an operator answers
// "what did each source and buyer earn us yesterday, and which buyer is in trouble right now" in two clicks (Reports,
// then buyer). The browser's clock is set a day ahead, so the traffic sent now is its yesterday (the server's clock is
// the real one: the reports API is asked for the range the console computes). Also: the report's chart and average
// ping-to-post time, a returned lead reading returned in the list, the low-funds mark from settings.alerts, and the
// screens this issue touched checked at 390 px for sideways scroll, labels and contrast. Screenshots go to
// test-output/console-journey-*.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { bidder, personalInjuryLead, SOURCE_KEY } from "../helpers/exchange-harness.ts";
import { lowContrast, unlabelled } from "./a11y-checks.ts";
import { type ConsoleWorld, PASSWORD, screenshot, startConsoleWorld } from "./console-browser.ts";

const DAY_MS = 86_400_000;

interface ReportWire {
  groups: { source_id?: string; buyer_id?: string; revenue: number; avg_ping_to_post_ms: number | null }[];
}

describe("the operator's two questions, in two clicks", () => {
  let world: ConsoleWorld;
  let returnedLead = "";

  before(async () => {
    // alpha buys at $40.50; slowpoke hangs on most pings (timing out: in trouble); broke bids highest with no money
    // (out of funds: in trouble); lowfunds has $200, under the $500 low-funds mark set below.
    world = await startConsoleWorld([
      bidder("alpha", 40.5),
      bidder("slowpoke", 30, { fault: "hang", faultRate: 0.8 }),
      bidder("broke", 60),
      bidder("lowfunds", 10),
    ]);
    await world.admin("/v1/admin/settings", {
      method: "PUT",
      body: { alerts: { low_funds_dollars: 500, buyer_timeout_min_pings: 5 } },
    });
    for (const [id, deposit] of [
      ["broke", 0],
      ["lowfunds", 200],
    ] as const) {
      const buyer = await world.admin<Record<string, unknown>>(`/v1/admin/buyers/${id}`);
      await world.admin(`/v1/admin/buyers/${id}`, {
        method: "PUT",
        body: { ...buyer, funds: { credit_limit: 0 } },
      });
      if (deposit > 0)
        await world.admin(`/v1/admin/buyers/${id}/deposits`, { method: "POST", body: { amount: deposit } });
    }
    const sold = await world.sendLeads(12);
    // Three ping-post leads, each posted a quarter second after its ping: the report's ping-to-post time.
    for (let i = 0; i < 3; i++) {
      const lead = personalInjuryLead({ days_since_accident: 20 + i });
      const full = { ...lead.full, email: `journey${i}@example.com`, phone: `(212) 555-${3000 + i}` };
      const ping = await call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
      assert.equal(ping.status, "bid", JSON.stringify(ping));
      await new Promise((resolve) => setTimeout(resolve, 250));
      const post = await call("/v1/post", { ping_id: ping.ping_id, lead: full, consent: lead.consent });
      assert.equal(post.status, "sold", JSON.stringify(post));
    }
    returnedLead = sold.find((answer) => answer.status === "sold")!.lead_id;
    const filed = await world.admin<{ return: { id: string } }>(`/v1/admin/leads/${returnedLead}/returns`, {
      method: "POST",
      body: { reason: "invalid_contact" },
    });
    await world.admin(`/v1/admin/returns/${filed.return.id}/approve`, { method: "POST" });
  });
  after(async () => {
    await world?.close();
  });

  async function call(path: string, body: unknown): Promise<Record<string, string>> {
    const response = await fetch(world.url + path, {
      method: "POST",
      headers: { authorization: `Bearer ${SOURCE_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Record<string, string>;
  }

  /** Logged in with the browser's clock a day ahead: today's traffic is its yesterday. */
  async function loginTomorrow(width = 1280): Promise<Page> {
    const context = await world.browser.newContext({ viewport: { width, height: 900 }, timezoneId: "UTC" });
    await context.clock.install({ time: Date.now() + DAY_MS });
    const page = await context.newPage();
    await page.goto(`${world.url}/console/`);
    await page.fill("input[name=email]", "ops@example.com");
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.getByTestId("who").waitFor();
    return page;
  }

  test("yesterday's earnings by source and by buyer, and who is in trouble now: two clicks", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const range = `from=${today}T00:00:00Z&to=${new Date(Date.parse(today) + DAY_MS).toISOString()}`;
    const bySource = await world.admin<ReportWire>(`/v1/admin/reports?${range}&group_by=source`);
    const byBuyer = await world.admin<ReportWire>(`/v1/admin/reports?${range}&group_by=buyer`);
    const page = await loginTomorrow();

    // Click 1: Reports. It opens on yesterday by source, with the alerts above.
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    assert.equal(
      await page
        .getByTestId("report-range")
        .innerText()
        .then((text) => text.slice(0, 10)),
      today,
    );
    const table = page.getByTestId("report-table");
    const source = table.locator("tbody tr", { hasText: "src-main" });
    await source.waitFor();
    const main = bySource.groups.find((group) => group.source_id === "src-main")!;
    assert.ok(main.revenue > 300, `src-main earned more than $300: ${main.revenue}`);
    assert.match(await source.innerText(), new RegExp(escaped(dollars(main.revenue))));
    const alerts = page.getByTestId("alerts");
    await alerts
      .locator('[data-alert="buyer_out_of_funds"][data-subject="broke"]')
      .waitFor({ timeout: 20_000 });
    await alerts
      .locator('[data-alert="buyer_timeouts"][data-subject="slowpoke"]')
      .waitFor({ timeout: 20_000 });
    assert.equal(await alerts.locator('[data-subject="alpha"]').count(), 0, "alpha is fine");
    await page.getByTestId("report-chart").waitFor();
    await screenshot(page, "journey-1-sources-yesterday");

    // Click 2: by buyer.
    await page.getByTestId("group-buyer").click();
    const alpha = table.locator("tbody tr", { hasText: "alpha" });
    await alpha.waitFor();
    const alphaFigures = byBuyer.groups.find((group) => group.buyer_id === "alpha")!;
    assert.match(await alpha.innerText(), new RegExp(escaped(dollars(alphaFigures.revenue))));
    // Its average ping-to-post time: the three ping-post leads waited at least 250 ms each.
    assert.ok((alphaFigures.avg_ping_to_post_ms ?? 0) >= 245, JSON.stringify(alphaFigures));
    assert.match(await alpha.innerText(), new RegExp(`${alphaFigures.avg_ping_to_post_ms} ms`));
    await screenshot(page, "journey-2-buyers-yesterday");
    await page.context().close();
  });

  test("the chart: revenue and margin for each hour of yesterday, the total matching the table", async () => {
    const page = await loginTomorrow();
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    const chart = page.getByTestId("report-chart");
    await chart.waitFor();
    assert.equal(await chart.getByTestId("bar-revenue").count(), 24, "one revenue bar per hour");
    assert.equal(await chart.getByTestId("bar-margin").count(), 24);
    const totals = await page.getByTestId("report-totals").innerText();
    const revenue = (await chart.locator("figcaption").innerText()).match(/revenue (\$[\d,]+\.\d\d)/)?.[1];
    assert.ok(revenue && totals.includes(revenue), `chart ${revenue} in totals ${totals}`);
    // Bars with revenue have height; the hour of the traffic is one of them.
    const heights = await chart
      .getByTestId("bar-revenue")
      .evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute("height"))));
    assert.ok(heights.some((height) => height > 0));
    // Seven days: one bar pair per day.
    await page.getByRole("button", { name: "last 7 days", exact: true }).click();
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid="report-chart"] [data-testid="bar-revenue"]').length === 7`,
    );
    await screenshot(page, "journey-chart-7-days");
    await page.context().close();
  });

  test("a returned lead reads returned in the list; the low-funds mark is the settings'", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    const status = page.getByTestId(`lead-list-status-${returnedLead}`);
    await status.waitFor();
    assert.equal((await status.innerText()).trim(), "returned");
    await screenshot(page, "journey-returned-in-list");
    await page.getByRole("link", { name: "Money", exact: true }).click();
    // $200 available is low against the settings' $500 (the default mark, $100, would not call it low).
    await page.getByTestId("money-standing-lowfunds").getByText("low funds").waitFor();
    assert.match(await page.getByTestId("low-funds-mark").innerText(), /under \$500\.00/);
    await screenshot(page, "journey-low-funds");
    await page.context().close();
  });

  test("at 390 px: no sideways scroll, every control labelled, text at 4.5:1", async () => {
    const page = await loginTomorrow(390);
    for (const [path, ready] of [
      ["/reports", "report-chart"],
      ["/leads", "leads-table"],
      ["/money", "buyer-money"],
    ] as const) {
      await page.goto(`${world.url}/console${path}`);
      await page.getByTestId(ready).waitFor();
      await page.waitForTimeout(300);
      const width = await page.evaluate<number>("document.documentElement.scrollWidth");
      assert.ok(width <= 390, `${path}: the page is ${width} px wide at 390`);
      assert.deepEqual(await unlabelled(page), [], `${path}: every control has a label`);
      assert.deepEqual(await lowContrast(page), [], `${path}: text contrast`);
      await screenshot(page, `journey-390-${ready}`);
    }
    await page.context().close();
  });
});

const dollars = (value: number) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(value);
const escaped = (text: string) => text.replace(/[$.]/g, "\\$&");
