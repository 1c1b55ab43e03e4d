// The operator's consumer privacy screen in headless Chromium against a real `gavel serve`: an access request by
// e-mail shows the counts and the consumer's lead in full (and offers it as JSON); an erasure (confirmed) shows the
// counts, and a second access request finds the lead with its PII blanked; the requests made are listed by hash.
// Screenshots: test-output/console-privacy-access.png, console-privacy-erasure.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

describe("consumer privacy requests in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  test("an access request shows the lead; an erasure blanks it and says how much it did", async () => {
    const [first, second] = await world.sendLeads(2);
    assert.equal(first?.status, "sold");
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Privacy", exact: true }).click();
    await page.getByLabel("consumer e-mail").fill("person1@example.com");
    await page.getByRole("button", { name: "Access request", exact: true }).click();
    const counts = page.getByTestId("privacy-counts");
    await counts.waitFor();
    assert.match(await counts.innerText(), /leads found\s+1/);
    const exported = await page.getByTestId("privacy-export").innerText();
    assert.match(exported, new RegExp(first!.lead_id));
    assert.ok(!exported.includes(second!.lead_id), "only this consumer's lead");
    assert.match(exported, /"first_name": "Jordan"/);
    assert.match(exported, /"email": "person1@example.com"/);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download JSON", exact: true }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^access-request-.+\.json$/);
    await screenshot(page, "privacy-access");

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Erase", exact: true }).click();
    await eventually(
      async () => ((await counts.innerText()).includes("leads erased") ? true : undefined),
      "the erasure's counts",
    );
    const erased = await counts.innerText();
    assert.match(erased, /leads found\s+1/);
    assert.match(erased, /leads erased\s+1/);
    assert.match(erased, /suppressions added\s+1/);
    await screenshot(page, "privacy-erasure");

    await page.getByRole("button", { name: "Access request", exact: true }).click();
    await eventually(async () => {
      const text = await page.getByTestId("privacy-export").innerText();
      return text.includes("PII purged") ? text : undefined;
    }, "the lead, blanked");
    const after = await page.getByTestId("privacy-export").innerText();
    assert.ok(!after.includes("Jordan") && !after.includes("person1@example.com"), after);
    // The list reloads after the export is shown: wait for the third request rather than read it at once.
    const listed = await eventually(async () => {
      const text = await page.getByTestId("privacy-requests").innerText();
      return /access[\s\S]*erasure[\s\S]*access/.test(text) ? text : undefined;
    }, "the three requests listed, newest first");
    assert.match(listed, /access[\s\S]*erasure[\s\S]*access/);
    assert.ok(!listed.includes("person1@example.com"), "requests are listed by hash");
  });
});
