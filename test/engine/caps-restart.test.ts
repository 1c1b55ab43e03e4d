// Caps rebuilt after a restart (embedded): the in-memory counters are seeded from the store's sales at start. The rest
// of what this file once held (caps under concurrency, periods, schedules, throttles, rules, a refused winner's cap
// unit) runs in process as lifecycle fixtures: test/scenarios/lifecycle/caps.json, periods-and-rules.json and
// cap-release.json, on both backends.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const lead = personalInjuryLead();
const direct = (h: Harness) =>
  h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });

async function traceOf(h: Harness, leadId: string) {
  const { body } = await h.admin("GET", `/v1/admin/leads/${leadId}`);
  return body.trace as { phase: string; campaign_id: string; outcome: string; detail?: string }[];
}

// Embedded only: there the counters live in process memory and are rebuilt from the store's sales on start; in
// distributed mode they live in Redis, which an exchange restart does not touch.
describe(`[${BACKEND}] caps survive a restart`, {
  skip: BACKEND !== "embedded" && "counters live in Redis",
}, () => {
  test("sales made before a restart still count against the cap after it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gavel-caps-restart-"));
    const configure = (farm: Parameters<NonNullable<Parameters<typeof startHarness>[1]>>[0]) => ({
      sources: [testSource()],
      buyers: [{ id: "limited", name: "limited", status: "active" as const }],
      campaigns: [realtimeCampaign(farm, "limited", { caps: { leads: { day: 3 } } })],
    });
    try {
      const before = await startHarness([bidder("limited", 40)], configure, { dataDir });
      try {
        for (let i = 0; i < 2; i++) assert.equal((await direct(before)).body.status, "sold");
      } finally {
        await before.close();
      }
      const again = await startHarness([bidder("limited", 40)], configure, { dataDir });
      try {
        assert.equal((await direct(again)).body.status, "sold", "the third lead of the day");
        const fourth = await direct(again);
        assert.equal(fourth.body.status, "unsold", "the cap of 3 counts the two sold before the restart");
        const trace = await traceOf(again, fourth.body.lead_id);
        assert.equal(trace.find((o) => o.campaign_id === "limited")?.outcome, "capped");
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
