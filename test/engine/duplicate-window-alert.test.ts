// The embedded duplicate windows at their ceiling (storage.duplicate_window_max_keys) over real HTTP: once they evict
// sold consumers, GET /v1/admin/alerts raises duplicate_window_evictions (what the console's dashboard lists), as it
// does a buyer's or a source's condition. Embedded only: Redis holds the windows on the distributed backend and
// evicts nothing of its own.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

/** The smallest ceiling the schema allows; each sale here holds three keys (its replay guard, e-mail and phone). */
const MAX_KEYS = 1024;
/** Sales enough to pass the ceiling with room to spare. */
const MOST_SALES = 600;
const CONCURRENCY = 8;

let h: Harness;

before(async () => {
  if (BACKEND !== "embedded") return;
  h = await startHarness([bidder("alpha", 50)], (farm) => ({
    storage: { duplicate_window_max_keys: MAX_KEYS },
    settings: { replay_guard_s: 3600 },
    verticals: [{ ...personalInjury, dedupe: { lookback_days: 30, match: ["email", "phone"] } }],
    sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
    buyers: [{ id: "alpha", name: "alpha", status: "active" }],
    campaigns: [realtimeCampaign(farm, "alpha")],
  }));
});
after(() => h?.close());

function consumer(n: number) {
  const lead = personalInjuryLead();
  const phone = `(212) 555-${String(1000 + n).padStart(4, "0")}`;
  return { ...lead, full: { ...lead.full, phone, email: `consumer${n}@example.com` } };
}

async function evictionAlert() {
  const answer = await h.admin("GET", "/v1/admin/alerts");
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return (answer.body.alerts as { kind: string }[]).find(
    (alert) => alert.kind === "duplicate_window_evictions",
  );
}

test("duplicate windows evicting sold consumers at their ceiling are an alert", {
  skip: BACKEND !== "embedded" && "the distributed backend keeps the windows in Redis",
}, async () => {
  assert.equal(await evictionAlert(), undefined, "no alert before any eviction");
  let sold = 0;
  while (sold < MOST_SALES) {
    const replies = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) => {
        const lead = consumer(sold + i);
        return h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });
      }),
    );
    for (const reply of replies) assert.equal(reply.body?.status, "sold", JSON.stringify(reply.body));
    sold += CONCURRENCY;
    if (sold * 3 > MAX_KEYS && (await evictionAlert())) break;
  }
  const alert = (await evictionAlert()) as
    | { severity: string; subject: { type: string; id: string }; message: string; since?: string }
    | undefined;
  assert.ok(alert, `raised within ${sold} sales`);
  assert.equal(alert.severity, "warning");
  assert.deepEqual(alert.subject, { type: "exchange", id: "duplicate_windows" });
  assert.match(alert.message, new RegExp(`\\(${MAX_KEYS} keys\\)`));
  assert.match(alert.message, /storage\.duplicate_window_max_keys/);
  assert.ok(alert.since && Date.parse(alert.since) <= Date.now());
});
