// The console's quick actions in headless Chromium against a real `gavel serve`: a source's key rotated with a day's
// grace (the list says until when, the copy button puts the new key on the clipboard, and the seller's old key still
// sells while the new one works too); a buyer, a source and a campaign paused and resumed from their lists (the buyer
// stops buying while paused); pending returns approved in bulk with a reason that the audit trail keeps.
// Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bidder, personalInjuryLead } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("quick actions in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  test("a source key rotated with a grace period: the new key copied, the old one still selling", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: world.url });
    page.on("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: "Sources", exact: true }).click();
    assert.equal(
      await page.getByTestId("grace-src-main").inputValue(),
      String(24 * 60),
      "a day's grace by default",
    );
    await page.getByTestId("rotate-src-main").click();
    const key = (await page.getByTestId("key-src-main").innerText()).trim();
    assert.match(key, /^gvl_/);
    await page.getByTestId("copy-key-src-main").click();
    await page.getByTestId("copy-key-src-main").getByText("Copied").waitFor();
    assert.equal(await page.evaluate<string>("navigator.clipboard.readText()"), key);
    const until = await page.getByTestId("grace-until-src-main").innerText();
    assert.match(until, /^old key works until /);
    await screenshot(page, "quick-actions-key-grace");

    const [withOldKey] = await world.sendLeads(1);
    assert.equal(withOldKey?.status, "sold", "the old key still sells during the grace");
    const lead = personalInjuryLead();
    const withNewKey = await fetch(`${world.url}/v1/leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        vertical: "personal_injury",
        lead: { ...lead.full, email: "new-key@example.com", phone: "(212) 555-0199" },
        consent: lead.consent,
      }),
    });
    assert.equal(withNewKey.status, 200, await withNewKey.text());
    await page.context().close();
  });

  test("a buyer, a source and a campaign paused and resumed from their lists", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    const buyers = page.getByTestId("buyers-table");
    await page.getByTestId("pause-alpha").click();
    await page.getByTestId("resume-alpha").waitFor();
    await buyers.getByText("paused", { exact: true }).first().waitFor();
    await screenshot(page, "quick-actions-buyer-paused");
    const [whilePaused] = await world.sendLeads(1);
    assert.equal(whilePaused?.status, "unsold", "a paused buyer does not buy");
    await page.getByTestId("resume-alpha").click();
    await page.getByTestId("pause-alpha").waitFor();
    const [resumed] = await world.sendLeads(1);
    assert.equal(resumed?.status, "sold");

    await page.getByRole("link", { name: "Sources", exact: true }).click();
    await page.getByTestId("pause-src-other").click();
    await page.getByTestId("resume-src-other").waitFor();
    const sources = await world.admin<{ sources: { id: string; status: string }[] }>("/v1/admin/sources");
    assert.equal(sources.sources.find((source) => source.id === "src-other")?.status, "paused");
    await page.getByTestId("resume-src-other").click();
    await page.getByTestId("pause-src-other").waitFor();

    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.getByTestId("pause-alpha").click();
    await page.getByTestId("resume-alpha").waitFor();
    const campaign = await world.admin<{ status: string }>("/v1/admin/campaigns/alpha");
    assert.equal(campaign.status, "paused");
    await page.getByTestId("resume-alpha").click();
    await page.getByTestId("pause-alpha").waitFor();
    await page.context().close();
  });

  test("pending returns approved in bulk with a reason the audit trail keeps", async () => {
    const sold = (await world.sendLeads(3)).filter((answer) => answer.status === "sold");
    assert.equal(sold.length, 3);
    for (const { lead_id } of sold)
      await world.admin(`/v1/admin/leads/${lead_id}/returns`, {
        method: "POST",
        body: { reason: "invalid_contact" },
      });

    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Returns", exact: true }).click();
    await page.getByTestId("returns-table").locator(`tr[data-lead="${sold[0]!.lead_id}"]`).waitFor();
    const approve = page.getByRole("button", { name: "Approve selected" });
    await page.getByTestId("select-all-returns").check();
    assert.equal(await approve.isDisabled(), true, "no decision without a reason");
    await page
      .getByLabel(/Reason for the selected \(3\)/)
      .fill("carrier confirmed the numbers are disconnected");
    await screenshot(page, "quick-actions-returns-bulk");
    await approve.click();
    assert.equal(await page.getByTestId("bulk-outcome").innerText(), "Approved 3.");
    await page.getByText("No pending returns.").waitFor();

    const { returns } = await world.admin<{ returns: { lead_id: string; status: string }[] }>(
      "/v1/admin/returns?status=approved",
    );
    for (const { lead_id } of sold)
      assert.equal(returns.find((item) => item.lead_id === lead_id)?.status, "approved", lead_id);
    const { events } = await world.admin<{ events: { note?: string; actor: { type: string } }[] }>(
      "/v1/admin/audit?kind=return.decide&limit=3",
    );
    assert.equal(events.length, 3);
    for (const event of events) {
      assert.match(event.note ?? "", /decided in bulk: carrier confirmed the numbers are disconnected/);
      assert.equal(event.actor.type, "user", "the console user who decided");
    }
    await page.context().close();
  });
});
