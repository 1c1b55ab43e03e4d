// Issue 16's "what is wrong today", each checked in headless Chromium against a real `gavel serve` with simulated
// buyers: a returned and refunded lead reads returned; a campaign without a schedule reads open around the clock;
// "test this campaign" shows its own bid; a buyer out of funds, capped, or timing out on most pings, stands out; a source
// sending a rotated key shows on the dashboard; a short lead id opens the lead; the buyer's CSV holds every lead it
// bought; an expired session returns to the login; a network failure, an HTML error page and a silent live feed say
// so plainly; money reads $1,234.56; at 390 px nothing scrolls sideways and Log out stays on screen; inputs have
// labels and text has 4.5:1 contrast. Screenshots go to test-output/console-truth-*.png.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { lowContrast, unlabelled } from "./a11y-checks.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

interface AdminLead {
  id: string;
  status: string;
  buyer_id?: string;
}

describe("every console screen tells the truth", () => {
  let world: ConsoleWorld;
  let alphaLeads: AdminLead[] = [];

  before(async () => {
    // alpha buys everything at $40.50; slowpoke hangs on most pings (its 300 ms ping timeout); broke bids highest
    // but has no money (funds with no credit and no deposit), so it is skipped for funds.
    world = await startConsoleWorld([
      bidder("alpha", 40.5),
      bidder("slowpoke", 30, { fault: "hang", faultRate: 0.8 }),
      bidder("broke", 60),
      bidder("capped", 20),
    ]);
    // capped may buy no lead today: its cap is reached before the first.
    const capped = await world.admin<Record<string, unknown>>("/v1/admin/buyers/capped");
    await world.admin("/v1/admin/buyers/capped", {
      method: "PUT",
      body: { ...(capped as object), caps: { leads: { day: 0 } } },
    });
    const broke = await world.admin<Record<string, unknown>>("/v1/admin/buyers/broke");
    await world.admin("/v1/admin/buyers/broke", {
      method: "PUT",
      body: { ...(broke as object), funds: { credit_limit: 0 } },
    });
    await world.sendLeads(30);
    const { leads } = await world.admin<{ leads: AdminLead[] }>("/v1/admin/leads?status=sold&limit=100");
    alphaLeads = leads.filter((lead) => lead.buyer_id === "alpha");
    assert.ok(alphaLeads.length > 25, `more leads sold to alpha than a page holds: ${alphaLeads.length}`);
  });
  after(async () => {
    await world?.close();
  });

  test("a returned and refunded lead reads returned and refunded, not sold and paid", async () => {
    const lead = alphaLeads[0]!;
    const { api_key } = await world.admin<{ api_key: string }>("/v1/admin/buyers/alpha/rotate-key", {
      method: "POST",
    });
    const filed = await fetch(`${world.url}/v1/buyer/leads/${lead.id}/returns`, {
      method: "POST",
      headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "invalid_contact" }),
    });
    if (!filed.ok) assert.fail(await filed.text());
    const { return: request } = (await filed.json()) as { return: { id: string } };
    await world.admin(`/v1/admin/returns/${request.id}/approve`, { method: "POST", body: {} });

    const page = await world.loginAs("ops@example.com");
    await page.goto(`${world.url}/console/leads/${lead.id}`);
    const status = page.getByTestId("lead-status");
    await status.getByText("returned").waitFor();
    assert.match(await status.innerText(), /returned[\s\S]*refunded/);
    assert.doesNotMatch(await status.innerText(), /sold/);
    assert.match(
      await page.getByTestId("buyer-paid").innerText(),
      /refunded \$40\.50 on return \(net \$0\.00\)/,
    );
    assert.match(await page.getByTestId("ledger").innerText(), /−\$40\.50/, "a refund reads −$40.50");
    await screenshot(page, "truth-returned-lead");
    await page.context().close();
  });

  test("the dashboard: a buyer out of funds is not active, a buyer timing out and a source sending a rotated key stand out", async () => {
    // src-other's key is rotated; its sender keeps using the old one.
    await world.admin("/v1/admin/sources/src-other/rotate-key", { method: "POST" });
    for (let i = 0; i < 3; i++) {
      const refused = await fetch(`${world.url}/v1/leads`, {
        method: "POST",
        headers: { authorization: "Bearer other-key", "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(refused.status, 401);
    }
    const page = await world.loginAs("ops@example.com");
    const brokeStatus = page.getByTestId("buyer-status-broke");
    await brokeStatus.getByText("out of funds").waitFor({ timeout: 15_000 });
    assert.doesNotMatch(await brokeStatus.innerText(), /^active/);
    assert.match(await brokeStatus.innerText(), /not buying/);
    assert.match(await page.getByTestId("buyer-status-alpha").innerText(), /active/);
    assert.match(await page.getByTestId("buyer-status-capped").innerText(), /capped[\s\S]*not buying/);
    const slow = page.getByTestId("buyer-timeouts-slowpoke");
    assert.match(await slow.innerText(), /\d+%\)[\s\S]*timing out/);
    assert.equal(await page.locator('tr[data-buyer="slowpoke"]').getAttribute("class"), "trouble");
    assert.doesNotMatch(await page.getByTestId("buyer-timeouts-alpha").innerText(), /timing out/);
    const authFailures = page.getByTestId("source-auth-failures");
    await authFailures.waitFor({ timeout: 20_000 });
    assert.match(await authFailures.innerText(), /src-other[\s\S]*3/);
    // Money with thousands separators and cents.
    await eventually(
      async () =>
        /^\$[\d,]+\.\d\d$/.test(await page.getByTestId("revenue-today").innerText()) ? true : undefined,
      "today's revenue as money",
      15_000,
    );
    await screenshot(page, "truth-dashboard");
    await page.context().close();
  });

  test("a campaign without a schedule is open around the clock, and its test shows its own bid", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    const row = page.getByTestId("campaigns-table").locator("tr", { hasText: "alpha campaign" });
    await row.getByRole("button", { name: "Edit" }).click();
    const form = page.getByTestId("campaigns-form");
    await form.getByTestId("schedule-always-open").waitFor();
    assert.match(await form.getByTestId("schedule-always-open").innerText(), /open around the clock/);
    const campaignId = (await form.locator('input[name="id"]').inputValue()).trim();
    // broke bids $60 and loses for funds; alpha's own bid is $40.50, whatever the auction's best was.
    await page.getByTestId(`test-${campaignId}`).click();
    const verdict = page.getByTestId(`test-verdict-${campaignId}`);
    await verdict.waitFor();
    const text = await verdict.innerText();
    assert.match(text, /This campaign/);
    assert.match(text, /bid \$40\.50/);
    assert.ok(await verdict.isVisible(), "its own verdict is on screen, not folded in JSON");
    await screenshot(page, "truth-campaign-test");
    await page.context().close();
  });

  test("the lead list's short id opens the lead, typed or clicked", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    const firstLink = page.getByTestId("leads-table").locator("tbody tr td a").first();
    await firstLink.waitFor();
    const shortId = (await firstLink.innerText()).trim();
    assert.equal(shortId.length, 12);
    // Each lead's short id is its own, though the world's leads were made within milliseconds of each other.
    const shortIds = await page.getByTestId("leads-table").locator("tbody tr td a").allInnerTexts();
    assert.equal(new Set(shortIds).size, shortIds.length, shortIds.join(" "));
    await page.fill("input[name=lead-id]", shortId);
    await page.getByRole("button", { name: "Open", exact: true }).click();
    await page.getByTestId("trace").waitFor();
    // The list shows an id's random end (a time-ordered id's start is shared by the leads of the same moment).
    assert.ok(page.url().endsWith(shortId), page.url());
    assert.ok((await page.locator("h2 code").innerText()).endsWith(shortId));
    await page.goBack();
    await page.getByTestId("leads-table").locator("tbody tr td a").first().click();
    await page.getByTestId("trace").waitFor();
    await page.context().close();
  });

  test("the buyer's CSV export holds every lead it bought, not the page on screen", async () => {
    const buyer = await world.loginAs("alpha@example.com");
    await buyer.getByTestId("buyer-leads").locator("tbody tr").first().waitFor();
    const onScreen = await buyer.getByTestId("buyer-leads").locator("tbody tr").count();
    const [download] = await Promise.all([
      buyer.waitForEvent("download"),
      buyer.getByRole("link", { name: "Download all my leads as CSV" }).click(),
    ]);
    const lines = readFileSync((await download.path())!, "utf8")
      .trimEnd()
      .split("\r\n");
    assert.match(lines[0]!, /^"lead_id","sold_at","vertical","campaign_id","price","test",/);
    assert.equal(lines.length - 1, alphaLeads.length, "a line per lead alpha bought");
    assert.ok(lines.length - 1 > onScreen, `more than the ${onScreen} on screen`);
    for (const lead of alphaLeads) assert.ok(lines.some((line) => line.startsWith(`"${lead.id}"`)));
    await buyer.context().close();
  });

  test("an expired session returns to the login; failures say what happened in plain words", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByTestId("totals").waitFor();
    // The session ends (expired, or logged out elsewhere): the next screen's call is refused with 401.
    await page.context().clearCookies();
    // The dashboard's own polling may meet the 401 first and show the login before the click lands; either way the
    // next call is refused, so the click is best effort and the login notice is what must appear.
    const sessionEnded = page.getByTestId("session-ended");
    await Promise.race([
      page
        .getByRole("link", { name: "Leads", exact: true })
        .click({ timeout: 10_000 })
        .catch(() => undefined),
      sessionEnded.waitFor(),
    ]);
    await sessionEnded.waitFor();
    assert.equal(await page.getByText("Missing or invalid API key").count(), 0);
    await screenshot(page, "truth-session-ended");
    await page.fill("input[name=email]", "ops@example.com");
    await page.fill("input[name=password]", "console-test-password");
    await page.click("button[type=submit]");
    await page.getByTestId("leads-table").waitFor();

    // No answer at all.
    await page.route("**/v1/admin/leads?**", (route) => route.abort("connectionrefused"));
    await page.reload();
    const problem = page.locator(".problem");
    await problem.waitFor();
    assert.match(await problem.innerText(), /cannot be reached/);
    assert.doesNotMatch(await page.content(), /Failed to fetch|AbortError/);
    await page.unroute("**/v1/admin/leads?**");
    // A proxy's HTML error page.
    await page.route("**/v1/admin/leads?**", (route) =>
      route.fulfill({ status: 502, contentType: "text/html", body: "<html><body>Bad Gateway</body></html>" }),
    );
    await page.reload();
    await problem.waitFor();
    assert.match(await problem.innerText(), /not answering \(HTTP 502/);
    assert.doesNotMatch(await problem.innerText(), /JSON|Unexpected token/);
    await screenshot(page, "truth-html-error");
    await page.unroute("**/v1/admin/leads?**");
    // The live feed never answers: the dashboard says so instead of waiting forever.
    await page.route("**/v1/console/live", (route) => route.abort("connectionrefused"));
    await page.getByRole("link", { name: "Dashboard", exact: true }).click();
    await page.getByTestId("live-late").waitFor({ timeout: 15_000 });
    await screenshot(page, "truth-live-late");
    await page.context().close();
  });

  test("reports: what each source and each buyer earned today, sorted, totalled and exported", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    // It opens on yesterday by source in the operator's zone; today's traffic is one click away.
    await page.getByRole("button", { name: "today", exact: true }).click();
    const table = page.getByTestId("report-table");
    const srcRow = table.locator("tbody tr", { hasText: "src-main" });
    await srcRow.waitFor();
    const expected = await world.admin<{
      groups: { source_id?: string; buyer_id?: string; revenue: number }[];
    }>(
      `/v1/admin/reports?from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}&group_by=buyer`,
    );
    const alphaRevenue = expected.groups.find((group) => group.buyer_id === "alpha")!.revenue;
    assert.ok(alphaRevenue > 1000, `alpha earned more than $1,000: ${alphaRevenue}`);
    await page.getByTestId("group-buyer").click();
    const alphaRow = table.locator("tbody tr", { hasText: "alpha" });
    await alphaRow.waitFor();
    const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(alphaRevenue);
    assert.match(await alphaRow.innerText(), new RegExp(money.replace(/[$.]/g, "\\$&")));
    // Sorted by revenue, highest first; a click on the header turns it around.
    const firstBuyer = async () => (await table.locator("tbody tr td").first().innerText()).trim();
    assert.equal(await firstBuyer(), "alpha");
    await page.getByTestId("report-sort-revenue").click();
    assert.notEqual(await firstBuyer(), "alpha");
    assert.match(await page.getByTestId("report-totals").innerText(), /total/);
    await screenshot(page, "truth-reports");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const lines = readFileSync((await download.path())!, "utf8").split("\r\n");
    assert.match(lines[0]!, /^"buyer_id","pings","posts","sold","sold_pct","revenue",/);
    assert.ok(lines.some((line) => line.startsWith('"alpha"') && line.includes(`"${alphaRevenue}"`)));
    await page.context().close();
  });

  test("health at a glance: a buyer timing out and a source sending a rotated key are red, a healthy buyer green", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Health", exact: true }).click();
    const buyers = page.getByTestId("buyer-health-hour");
    const slowTimeouts = buyers.locator('tr[data-buyer="slowpoke"] td').nth(2);
    await slowTimeouts.waitFor();
    assert.equal(await slowTimeouts.getAttribute("data-level"), "bad");
    // slowpoke hangs on each ping with probability 0.8, so over a few dozen pings its share is near 80%, not exactly
    // in the eighties (76.7% was seen): a share well past the 20% red threshold is what the screen must show.
    const timeoutShare = Number((await slowTimeouts.innerText()).match(/^(\d+(?:\.\d)?)%/)?.[1]);
    assert.ok(timeoutShare >= 50, `slowpoke's timeout share ${timeoutShare}% should be near 80%`);
    assert.equal(await buyers.locator('tr[data-buyer="alpha"] td').nth(2).getAttribute("data-level"), "ok");
    const refused = page.getByTestId("source-health-hour").locator('tr[data-source="src-other"] td').last();
    assert.equal(await refused.getAttribute("data-level"), "bad");
    assert.match(await refused.innerText(), /^3/);
    await screenshot(page, "truth-health");
    await page.context().close();
  });

  test("buyer money: balance, credit, spent today, a deposit that puts a buyer out of funds back to buying", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Money", exact: true }).click();
    await page.getByTestId("money-standing-broke").getByText("out of funds").waitFor();
    assert.equal(
      await page.locator('[data-testid="buyer-money"] tr[data-buyer="broke"]').getAttribute("class"),
      "trouble",
    );
    assert.equal(await page.getByTestId("available-broke").innerText(), "$0.00");
    assert.equal(await page.getByTestId("available-alpha").innerText(), "no limit");
    // alpha bought 30 leads at $40.50 today (one since returned: the report counts the sale in its hour).
    assert.equal(await page.getByTestId("spent-today-alpha").innerText(), "$1,215.00");
    await screenshot(page, "truth-money-before");
    await page.fill("input[name=deposit-broke]", "50");
    await page.fill("input[name=deposit-note-broke]", "first wire");
    await page.locator('tr[data-buyer="broke"]').getByRole("button", { name: "Add deposit" }).click();
    await eventually(
      async () => ((await page.getByTestId("available-broke").innerText()) === "$50.00" ? true : undefined),
      "the deposit in what broke may spend",
    );
    // $50 is under the low-funds mark: still marked, now as low.
    assert.match(await page.getByTestId("money-standing-broke").innerText(), /low funds/);
    await page.fill("input[name=deposit-broke]", "1200.5");
    await page.locator('tr[data-buyer="broke"]').getByRole("button", { name: "Add deposit" }).click();
    await eventually(
      async () =>
        (await page.getByTestId("available-broke").innerText()) === "$1,250.50" ? true : undefined,
      "the second deposit",
    );
    assert.match(await page.getByTestId("money-standing-broke").innerText(), /active/);
    assert.equal(await page.getByTestId("balance-broke").innerText(), "$1,250.50");
    // A bad amount never leaves the browser.
    await page.fill("input[name=deposit-broke]", "ten");
    await page.locator('tr[data-buyer="broke"]').getByRole("button", { name: "Add deposit" }).click();
    await page.locator('tr[data-buyer="broke"]').getByText("an amount in dollars").waitFor();
    await screenshot(page, "truth-money-after");
    await page.context().close();
  });

  test("at 390 px nothing scrolls sideways and Log out stays on screen; inputs are labelled; text has 4.5:1 contrast", async () => {
    const context = await world.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${world.url}/console/`);
    await page.fill("input[name=email]", "ops@example.com");
    await page.fill("input[name=password]", "console-test-password");
    await page.click("button[type=submit]");
    await page.getByTestId("who").waitFor();
    for (const [path, ready] of [
      ["/", "totals"],
      ["/leads", "leads-table"],
      ["/reports", "report-table"],
      ["/money", "buyer-money"],
      ["/health", "buyer-health-hour"],
      ["/config/buyers", "buyers-table"],
      [`/leads/${alphaLeads[1]!.id}`, "trace"],
    ] as const) {
      await page.goto(`${world.url}/console${path}`);
      await page.getByTestId(ready).waitFor();
      await page.waitForTimeout(300);
      const width = await page.evaluate<number>("document.documentElement.scrollWidth");
      assert.ok(width <= 390, `${path}: the page is ${width} px wide at 390`);
      const logOut = await page.getByRole("button", { name: "Log out" }).boundingBox();
      assert.ok(logOut && logOut.x >= 0 && logOut.x + logOut.width <= 390, `${path}: Log out on screen`);
      assert.deepEqual(await unlabelled(page), [], `${path}: every input has a label`);
      assert.deepEqual(await lowContrast(page), [], `${path}: text contrast`);
      await screenshot(page, `truth-390-${ready}`);
    }
    await context.close();
  });
});
