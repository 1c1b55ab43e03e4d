// The configuration forms' structured editors in headless Chromium against a real `gavel serve`: a campaign built
// through them alone (no JSON typed) is stored exactly as meant; a campaign with every kind of rule, a schedule, caps and
// a preset opens in the editors and saves back unchanged, through a JSON round trip too; a buyer's caps and a source's
// margin table are rows. Screenshots go to test-output/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import type { Campaign } from "../../src/domain/config-schema.ts";
import { bidder } from "../helpers/exchange-harness.ts";
import { type ConsoleWorld, screenshot, startConsoleWorld } from "./console-browser.ts";

/** Saves a campaign through the admin API with the operator's console session. */
async function putCampaign(page: Page, campaign: Campaign): Promise<void> {
  const answer = await page.evaluate(async (body) => {
    const response = await fetch(`/v1/admin/campaigns/${body.id}`, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }, campaign);
  assert.equal(answer.status, 200, answer.text);
}

describe("campaign editors in a browser", () => {
  let world: ConsoleWorld;

  before(async () => {
    world = await startConsoleWorld([bidder("alpha", 40)]);
  });
  after(async () => {
    await world?.close();
  });

  test("a campaign built through the editors alone is stored exactly as meant", async () => {
    const postUrl = world.farm.buyers.alpha?.post;
    assert.ok(postUrl);
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.getByTestId("campaigns-table").getByText("alpha campaign").waitFor();
    await page.getByRole("button", { name: "New" }).click();
    const form = page.getByTestId("campaigns-form");
    await form.locator('input[name="id"]').fill("editors-made");
    await form.locator('input[name="name"]').fill("Made in the editors");
    await form.locator('select[name="buyer_id"]').selectOption("alpha");
    await form.locator('select[name="vertical"]').selectOption("personal_injury");

    await form.locator('select[name="pricing.type"]').selectOption("fixed");
    await form.locator('input[name="pricing.price"]').fill("42.50");
    await form.locator('input[name="post.url"]').fill(postUrl);
    await form.locator('input[name="post.timeout_ms"]').fill("1000");

    const caps = form.locator('[data-field="caps"]');
    await caps.getByRole("button", { name: "Add cap" }).click();
    await caps.locator('select[name="caps.0.unit"]').selectOption("leads");
    await caps.locator('select[name="caps.0.period"]').selectOption("day");
    await caps.locator('input[name="caps.0.amount"]').fill("100");

    await form.locator('input[name="schedule.time_zone"]').fill("America/New_York");
    await form.getByTestId("schedule-mon-add").click();
    await form.getByTestId("schedule-tue-add").click();
    await form.locator('input[name="schedule.tue.0.closes"]').fill("20:00");

    await form.locator('[data-field="filters"]').getByRole("button", { name: "Add filter" }).click();
    await form.locator('select[name="filters.0.field"]').selectOption("state");
    await form.locator('select[name="filters.0.op"]').selectOption("in");
    await form.locator('input[name="filters.0.value"]').fill("CA, NY");

    // all of: severity >= 5, and any of (rear-end crash, not disputed liability).
    await form.getByTestId("rules-add-group").click();
    await form.getByTestId("rules-add-condition").click();
    await form.locator('select[name="rules.0.field"]').selectOption("injury_severity");
    await form.locator('select[name="rules.0.op"]').selectOption("gte");
    await form.locator('input[name="rules.0.value"]').fill("5");
    await form.getByTestId("rules-add-group").click();
    await form.locator('select[name="rules.1.kind"]').selectOption("any");
    await form.getByTestId("rules.1-add-condition").click();
    await form.locator('select[name="rules.1.0.field"]').selectOption("crash_type");
    await form.locator('select[name="rules.1.0.value"]').selectOption("rear_end");
    await form.getByTestId("rules.1-add-condition").click();
    await form.locator('select[name="rules.1.1.field"]').selectOption("liability");
    await form.locator('select[name="rules.1.1.value"]').selectOption("disputed");
    await form.getByTestId("rules.1.1-negate").click();

    // A templated integration is JSON: choosing it opens the JSON, which the form then cannot take back.
    await form.locator('select[name="integration.kind"]').selectOption("templated");
    const templated = JSON.parse(await form.locator('textarea[name="integration"]').inputValue());
    assert.equal(templated.type, "templated");
    await form.getByTestId("json-toggle-integration").click();
    assert.match(await form.getByTestId("error-integration").innerText(), /cannot show/);
    await form.locator('textarea[name="integration"]').fill("");
    await form.getByTestId("json-toggle-integration").click();
    await form.locator('select[name="integration.kind"]').selectOption("leadspedia");
    await form.locator('input[name="integration.params.campaign_id"]').fill("123");
    await form.locator('input[name="integration.params.campaign_key"]').fill("k-abc");
    await form.locator('[data-field="integration"]').getByRole("button", { name: "Add wording" }).click();
    await form.locator('select[name="integration.value_map.0.field"]').selectOption("crash_type");
    await form.locator('input[name="integration.value_map.0.value"]').fill("rear_end");
    await form.locator('input[name="integration.value_map.0.wording"]').fill("Rear End");

    // No JSON was typed: every field is in its editor.
    const textareas = [];
    for (const area of await form.locator("textarea").all())
      textareas.push([await area.getAttribute("name"), await area.inputValue()]);
    assert.deepEqual(textareas, []);
    await screenshot(page, "config-editors-built");

    // What only the server knows (no SMTP server is configured for e-mail) comes back beside the editor it names.
    await form.locator('select[name="delivery.type"]').selectOption("email");
    await form.locator('input[name="delivery.to"]').fill("leads@alpha.example, backup@alpha.example");
    await form.getByRole("button", { name: "Save" }).click();
    assert.match(await form.getByTestId("error-delivery").innerText(), /smtp.*GAVEL_VALIDATION/);
    await form.locator('select[name="delivery.type"]').selectOption("");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();

    const stored = await world.admin<Campaign>("/v1/admin/campaigns/editors-made");
    assert.deepEqual(stored, {
      id: "editors-made",
      name: "Made in the editors",
      buyer_id: "alpha",
      vertical: "personal_injury",
      status: "active",
      pricing: { type: "fixed", price: 42.5 },
      post: { url: postUrl, timeout_ms: 1000 },
      caps: { leads: { day: 100 } },
      integration: {
        type: "preset",
        preset: "leadspedia",
        // Stored as typed ("k-abc"); the admin API shows a credential masked (docs/api.md "Secrets in the configuration").
        params: { campaign_id: "123", campaign_key: "••••••••••••••••" },
        value_map: { crash_type: { rear_end: "Rear End" } },
      },
      schedule: {
        time_zone: "America/New_York",
        weekly: { mon: [["09:00", "17:00"]], tue: [["09:00", "20:00"]] },
      },
      filters: [{ field: "state", op: "in", value: ["CA", "NY"] }],
      rules: {
        all: [
          { field: "injury_severity", op: "gte", value: 5 },
          {
            any: [
              { field: "crash_type", op: "eq", value: "rear_end" },
              { not: { field: "liability", op: "eq", value: "disputed" } },
            ],
          },
        ],
      },
    });
    await page.context().close();
  });

  test("a campaign with every kind of rule opens in the editors and saves back unchanged", async () => {
    const urls = world.farm.buyers.alpha;
    assert.ok(urls);
    const complex: Campaign = {
      id: "round-trip",
      name: "Round trip",
      buyer_id: "alpha",
      vertical: "personal_injury",
      status: "paused",
      pricing: { type: "realtime", max_price: 80 },
      ping: { url: urls.ping, timeout_ms: 300 },
      post: { url: urls.post, timeout_ms: 1500 },
      filters: [
        { field: "injury_severity", op: "between", value: [3, 9] },
        { field: "state", op: "not_in", value: ["TX"] },
        { field: "insured", op: "eq", value: true },
      ],
      rules: {
        all: [
          { field: "state", op: "in", value: ["CA", "NV"] },
          {
            any: [
              { field: "zip", op: "zip_prefix_in", value: ["902", "100"] },
              { field: "injury_severity", op: "gte", value: 7 },
              { not: { not: { field: "city", op: "exists" } } },
            ],
          },
          { not: { field: "liability", op: "eq", value: "disputed" } },
          { lead_age_minutes: { op: "lte", value: 15 } },
          { lead_age_minutes: { op: "between", value: [1, 30] } },
          { time_of_day: { from: "08:00", to: "20:00" } },
          { day_of_week: ["mon", "tue", "wed", "thu", "fri"] },
          { field: "city", op: "starts_with", value: "San" },
        ],
      },
      schedule: {
        time_zone: "America/Los_Angeles",
        weekly: {
          mon: [
            ["08:00", "12:00"],
            ["13:00", "18:00"],
          ],
          sat: [["10:00", "24:00"]],
        },
        paused_from: "2026-12-24",
        resume_on: "2026-12-27",
      },
      caps: { time_zone: "America/Chicago", leads: { day: 50, month: 900 }, spend: { week: 2500.5 } },
      // An empty period list the caps rows cannot show: this field opens as JSON.
      source_caps: { leads: {} },
      integration: {
        type: "preset",
        preset: "boberdoo",
        params: { key: "KEY-123", src: "Gavel", lead_type: "21" },
        value_map: { crash_type: { rear_end: "Rear End", other: null }, liability: { clear: "Clear" } },
      },
      delivery: {
        type: "webhook",
        url: urls.post,
        secret: "a-signing-secret-of-some-length",
        timeout_ms: 5000,
      },
      consent_requirement: "trustedform",
    };
    const page = await world.loginAs("ops@example.com");
    await putCampaign(page, complex);
    const before = await world.admin<Campaign>("/v1/admin/campaigns/round-trip");

    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page
      .getByTestId("campaigns-table")
      .getByRole("row", { name: /Round trip/ })
      .getByRole("button", { name: "Edit" })
      .click();
    const form = page.getByTestId("campaigns-form");
    await form.waitFor();
    for (const name of [
      "pricing",
      "filters",
      "rules",
      "schedule",
      "caps",
      "ping",
      "post",
      "delivery",
      "integration",
    ])
      assert.equal(await form.locator(`textarea[name="${name}"]`).count(), 0, `${name} opens in its editor`);
    assert.equal(await form.locator('textarea[name="source_caps"]').count(), 1, "source_caps opens as JSON");
    assert.equal(await form.locator('input[name="rules.1.0.value"]').inputValue(), "902, 100");
    await screenshot(page, "config-editors-round-trip");

    // Through JSON and back loses nothing either.
    await form.getByTestId("json-toggle-rules").click();
    assert.deepEqual(JSON.parse(await form.locator('textarea[name="rules"]').inputValue()), complex.rules);
    await form.getByTestId("json-toggle-rules").click();
    assert.equal(await form.locator('textarea[name="rules"]').count(), 0);

    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    const after = await world.admin<Campaign>("/v1/admin/campaigns/round-trip");
    assert.deepEqual(after, before);
    assert.deepEqual(after.rules, complex.rules);
    await page.context().close();
  });

  test("a rule reads the lead's quality score only where the vertical validates leads", async () => {
    const page = await world.loginAs("ops@example.com");
    // A second vertical like personal_injury, with lead validation on.
    const vertical = await world.admin<Record<string, unknown>>("/v1/admin/verticals/personal_injury");
    await world.admin("/v1/admin/verticals/pi_validated", {
      method: "PUT",
      body: { ...vertical, id: "pi_validated", name: "Validated PI", validation: { min_quality_score: 10 } },
    });
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.getByTestId("campaigns-table").getByText("alpha campaign").waitFor();
    await page.getByRole("button", { name: "New" }).click();
    const form = page.getByTestId("campaigns-form");
    await form.locator('input[name="id"]').fill("quality-rule");
    await form.locator('input[name="name"]').fill("Quality rule");
    await form.locator('select[name="buyer_id"]').selectOption("alpha");
    const fieldChoices = () =>
      form
        .locator('select[name="rules.field"] option')
        .evaluateAll((options) => options.map((option) => option.getAttribute("value") ?? ""));

    await form.locator('select[name="vertical"]').selectOption("personal_injury");
    await form.getByTestId("rules-add-condition").click();
    assert.ok(
      !(await fieldChoices()).includes("quality_score"),
      "no score where the vertical does not validate",
    );
    await form.locator('select[name="vertical"]').selectOption("pi_validated");
    assert.ok(
      (await fieldChoices()).includes("quality_score"),
      `the score where it validates: ${await fieldChoices()}`,
    );

    await form.locator('select[name="rules.field"]').selectOption("quality_score");
    await form.locator('select[name="rules.op"]').selectOption("gte");
    await form.locator('input[name="rules.value"]').fill("70");
    await form.locator('select[name="pricing.type"]').selectOption("fixed");
    await form.locator('input[name="pricing.price"]').fill("10");
    await form.locator('input[name="post.url"]').fill(world.farm.buyers.alpha!.post);
    await form.locator('input[name="post.timeout_ms"]').fill("1000");
    await screenshot(page, "config-editors-quality-score");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    const stored = await world.admin<Campaign>("/v1/admin/campaigns/quality-rule");
    assert.deepEqual(stored.rules, { field: "quality_score", op: "gte", value: 70 });
    await page.context().close();
  });

  test("a buyer's caps are rows too, and a number field refuses text in the browser", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Buyers", exact: true }).click();
    await page.getByTestId("buyers-table").getByText("alpha buyer").waitFor();
    await page.getByRole("button", { name: "New", exact: true }).click();
    const form = page.getByTestId("buyers-form");
    await form.locator('input[name="id"]').fill("capped");
    await form.locator('input[name="name"]').fill("Capped buyer");
    const caps = form.locator('[data-field="caps"]');
    await caps.getByRole("button", { name: "Add cap" }).click();
    await caps.locator('select[name="caps.0.unit"]').selectOption("spend");
    await caps.locator('select[name="caps.0.period"]').selectOption("day");
    await caps.locator('input[name="caps.0.amount"]').fill("5000");
    await caps.getByRole("button", { name: "Add cap" }).click();
    await caps.locator('select[name="caps.1.period"]').selectOption("day");
    await caps.locator('input[name="caps.1.amount"]').fill("twenty");
    await form.locator('input[name="caps.time_zone"]').fill("America/Chicago");
    await form.locator('input[name="auto_pause_after_failures"]').fill("lots");

    await form.getByRole("button", { name: "Save" }).click();
    assert.match(await form.getByTestId("error-caps").innerText(), /leads per day: a number is needed/);
    assert.match(await form.getByTestId("error-auto_pause_after_failures").innerText(), /must be a number/);
    await caps.locator('input[name="caps.1.amount"]').fill("20");
    await form.locator('input[name="auto_pause_after_failures"]').fill("5");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    await screenshot(page, "config-editors-buyer-caps");

    const stored = await world.admin<Record<string, unknown>>("/v1/admin/buyers/capped");
    assert.deepEqual(stored, {
      id: "capped",
      name: "Capped buyer",
      status: "active",
      auto_pause_after_failures: 5,
      caps: { time_zone: "America/Chicago", leads: { day: 20 }, spend: { day: 5000 } },
      auto_approve_returns: false,
    });
    await page.context().close();
  });

  test("a source's margin table is a row per price band", async () => {
    const page = await world.loginAs("ops@example.com");
    await page.getByRole("link", { name: "Sources", exact: true }).click();
    await page.getByTestId("sources-table").getByText("Main source").waitFor();
    await page.getByRole("button", { name: "New", exact: true }).click();
    const form = page.getByTestId("sources-form");
    await form.locator('input[name="id"]').fill("banded");
    await form.locator('input[name="name"]').fill("Banded source");
    assert.equal(await form.locator('input[name="payout.percent"]').inputValue(), "80");
    await form.locator('select[name="payout.model"]').selectOption("margin_table");
    await form.locator('input[name="payout.bands.0.up_to"]').fill("50");
    await form.locator('input[name="payout.bands.0.margin"]').fill("5");
    await form.locator('[data-field="payout"]').getByRole("button", { name: "Add band" }).click();
    await form.locator('select[name="payout.bands.1.unit"]').selectOption("%");
    await form.getByRole("button", { name: "Save" }).click();
    assert.match(await form.getByTestId("error-payout").innerText(), /band 2 margin \(%\) must be a number/);
    await form.locator('input[name="payout.bands.1.margin"]').fill("10");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByTestId("saved").waitFor();
    await screenshot(page, "config-editors-source-payout");

    const stored = await world.admin<{ payout: unknown }>("/v1/admin/sources/banded");
    assert.deepEqual(stored.payout, {
      model: "margin_table",
      bands: [{ up_to: 50, margin: 5 }, { margin_percent: 10 }],
    });
    await page.context().close();
  });
});
