// The web console in headless Chromium against a real `gavel serve` with simulated buyers: each role logs in; the
// operator watches the live dashboard change while traffic runs and opens a sold lead's decision trace; a buyer user
// returns a lead and the operator approves it; a buyer user cannot open another buyer's lead or an operator page; a
// source user sees its submissions and never a consumer's PII. Screenshots of the main screens go to test-output/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, PASSWORD, screenshot, startConsoleWorld } from "./console-browser.ts";

interface AdminLead {
  id: string;
  status: string;
  buyer_id?: string;
}

describe("web console in a browser", () => {
  let world: ConsoleWorld;
  const soldTo: Record<string, string> = {};

  before(async () => {
    // Each buyer bids on about half the leads, so some are sold to each.
    world = await startConsoleWorld([
      bidder("alpha", 40, { bidRate: 0.5 }),
      bidder("beta", 30, { bidRate: 0.6 }),
    ]);
    const answers = await world.sendLeads(30);
    assert.ok(
      answers.some((answer) => answer.status === "sold"),
      JSON.stringify(answers.slice(0, 3)),
    );
    const { leads } = await world.admin<{ leads: AdminLead[] }>("/v1/admin/leads?status=sold&limit=100");
    for (const lead of leads) if (lead.buyer_id) soldTo[lead.buyer_id] ??= lead.id;
    assert.ok(soldTo.alpha && soldTo.beta, `a lead sold to each buyer: ${JSON.stringify(soldTo)}`);
  });
  after(async () => {
    await world?.close();
  });

  test("the operator's dashboard numbers change while traffic runs", async () => {
    const page = await world.loginAs("ops@example.com");
    assert.match(await page.getByTestId("who").innerText(), /ops@example\.com · operator/);
    const totals = page.getByTestId("totals");
    const counts = async () => (await totals.innerText()).split("·")[0]!;
    const first = await eventually(
      async () => ((await counts()).includes("auctions") ? counts() : undefined),
      "first numbers",
    );
    const traffic = world.sendLeads(40);
    await eventually(
      async () => {
        const rate = await page.getByTestId("pings-per-s").innerText();
        return (await counts()) !== first && rate !== "—" && rate !== "0" ? true : undefined;
      },
      "the dashboard's numbers change",
      15_000,
    );
    await traffic;
    // Today's revenue and margin come from the report rollups, which the sales just written keep up to date.
    await eventually(
      async () => {
        const revenue = await page.getByTestId("revenue-today").innerText();
        return /^\$\d/.test(revenue) && revenue !== "$0.00" ? revenue : undefined;
      },
      "today's revenue",
      15_000,
    );
    assert.notEqual(await counts(), first);
    // The last 24 hours, drawn by uPlot from the reports API (reloaded to include the traffic just sent).
    await page.reload();
    await page.getByTestId("day-chart").locator("canvas").waitFor();
    await eventually(
      async () => ((await page.getByTestId("revenue-today").innerText()).startsWith("$") ? true : undefined),
      "today's revenue after the reload",
      15_000,
    );
    await screenshot(page, "dashboard");
    await page.context().close();
  });

  test("the operator opens a sold lead's decision trace from the leads list", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    await page.getByTestId("leads-table").locator("tbody tr").first().waitFor();
    await screenshot(page, "leads");
    // Paged on the server: the second page starts where the first ended.
    const rows = page.getByTestId("leads-table").locator("tbody tr");
    assert.equal(await rows.count(), 25);
    const idsOf = async () =>
      rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector("td")?.textContent ?? ""));
    const firstPage = new Set(await idsOf());
    await page.getByRole("button", { name: "Older →" }).click();
    await page.getByText("page 2").waitFor();
    const secondPage = await eventually(async () => {
      const ids = await idsOf();
      return ids.length > 0 && ids.every((id) => !firstPage.has(id)) ? ids : undefined;
    }, "a second page of other leads");
    assert.ok(secondPage.length > 0);
    await page.goto(`${world.url}/console/leads/${soldTo.alpha}`);
    const trace = page.getByTestId("trace");
    await trace.locator("li").first().waitFor();
    const text = await trace.innerText();
    assert.match(text, /alpha/);
    assert.match(text, /post accepted/);
    assert.match(await page.getByTestId("ledger").innerText(), /charge|payout|margin/i);
    await screenshot(page, "lead-trace");
    await page.context().close();
  });

  test("a buyer user returns a lead and the operator approves it", async () => {
    const buyer = await world.loginAs("alpha@example.com");
    await buyer.getByTestId("buyer-leads").locator("tbody tr").first().waitFor();
    await screenshot(buyer, "buyer-leads");
    const [download] = await Promise.all([
      buyer.waitForEvent("download"),
      buyer.getByRole("link", { name: "Download all my leads as CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8");
    assert.match(csv.split("\r\n")[0]!, /^"lead_id","sold_at","vertical","campaign_id","price",/);
    const { leads: alphaSold } = await world.admin<{ leads: AdminLead[] }>(
      "/v1/admin/leads?status=sold&limit=100",
    );
    const bought = alphaSold.filter((lead) => lead.buyer_id === "alpha").length;
    assert.equal(csv.trimEnd().split("\r\n").length, bought + 1, "a line per lead alpha bought");
    assert.ok(!csv.includes(soldTo.beta!), "no other buyer's lead");
    await buyer.goto(`${world.url}/console/buyer/leads/${soldTo.alpha}`);
    await buyer.selectOption("select[name=reason]", "invalid_contact");
    await buyer.fill("input[name=note]", "number disconnected");
    await buyer.getByRole("button", { name: "Return lead" }).click();
    assert.match(await buyer.getByTestId("return-result").innerText(), /Return pending/);
    await screenshot(buyer, "buyer-return");

    const operator = await world.loginAs("ops@example.com");
    await operator.getByRole("link", { name: "Returns", exact: true }).click();
    const row = operator.locator(`tr[data-lead="${soldTo.alpha}"]`);
    await row.waitFor();
    await screenshot(operator, "returns-queue");
    await row.getByRole("button", { name: "Approve" }).click();
    await row.waitFor({ state: "detached" });
    await operator.selectOption(".toolbar select", "approved");
    await operator.locator(`tr[data-lead="${soldTo.alpha}"]`).getByText("approved").waitFor();

    await buyer.goto(`${world.url}/console/buyer`);
    await buyer.getByTestId("buyer-returns").getByText("approved").waitFor();
    await buyer.context().close();
    await operator.context().close();
  });

  test("a buyer user cannot open another buyer's lead, nor an operator page", async () => {
    const page = await world.loginAs("alpha@example.com");
    await page.goto(`${world.url}/console/buyer/leads/${soldTo.beta}`);
    await page.getByTestId("not-found").waitFor();
    assert.ok(!(await page.content()).includes("beta buyer"));
    for (const path of [`/leads/${soldTo.beta}`, "/leads", "/returns", "/"]) {
      await page.goto(`${world.url}/console${path}`);
      if (path === "/") {
        // A buyer user's home is its own portal, never the dashboard.
        await page.getByTestId("buyer-leads").waitFor();
        continue;
      }
      await page.getByTestId("forbidden").waitFor();
    }
    await screenshot(page, "buyer-forbidden");
    await page.context().close();
  });

  test("the operator adds a buyer user from the Users screen, who then logs in to its own portal", async () => {
    const operator = await world.loginAs("ops@example.com");
    await operator.getByRole("link", { name: "Users", exact: true }).click();
    await operator.getByTestId("users-table").getByText("ops@example.com").waitFor();
    await operator.fill("input[name=email]", "new-beta@example.com");
    await operator.selectOption("select[name=role]", "buyer");
    await operator.selectOption("select[name=party]", "beta");
    await operator.fill("input[name=new-password]", PASSWORD);
    await operator.getByRole("button", { name: "Save user" }).click();
    await operator.getByTestId("user-saved").waitFor();
    await operator.getByTestId("users-table").getByText("new-beta@example.com").waitFor();
    await screenshot(operator, "users");
    await operator.getByRole("link", { name: "Outbox", exact: true }).click();
    await operator.getByTestId("outbox-table").waitFor();
    await operator.context().close();

    const buyer = await world.loginAs("new-beta@example.com");
    assert.match(await buyer.getByTestId("who").innerText(), /buyer of beta buyer/);
    await buyer.getByTestId("buyer-leads").locator("tbody tr").first().waitFor();
    await buyer.context().close();
  });

  test("a source user sees its submissions and outcomes, never PII", async () => {
    const page = await world.loginAs("source@example.com");
    const rows = page.getByTestId("source-leads").locator("tbody tr");
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 0);
    const html = await page.content();
    for (const pii of ["@example.com\u003c", "person1@", "555-", "Jordan", "Rivera", "Elm Street"]) {
      assert.ok(!html.includes(pii), `no ${pii} on the source portal`);
    }
    assert.ok(!html.includes("alpha") && !html.includes("beta"), "no buyer on the source portal");
    await eventually(
      async () =>
        /^\$[1-9][\d,]*\.\d\d$/.test(await page.getByTestId("source-payouts").innerText()) ? true : undefined,
      "the source's payouts of the last 30 days",
    );
    await screenshot(page, "source-portal");
    await page.goto(`${world.url}/console/leads`);
    await page.getByTestId("forbidden").waitFor();
    await page.context().close();
  });
});
