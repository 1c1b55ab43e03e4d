// The alert rules on their own (src/console/alerts.ts): each kind raised at its threshold and not below, the
// thresholds from settings over the defaults, a paused buyer not also alerted for its money or caps, critical first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ALERT_DEFAULTS, type BuyerAlertFacts, collectAlerts } from "../../src/console/alerts.ts";

const buyer = (overrides: Partial<BuyerAlertFacts> = {}): BuyerAlertFacts => ({
  id: "b",
  status: "active",
  capped: false,
  cappedCampaigns: [],
  pings: 0,
  timeouts: 0,
  ...overrides,
});
const kinds = (...args: Parameters<typeof collectAlerts>) =>
  collectAlerts(...args).map((alert) => alert.kind);

test("a healthy buyer and source raise nothing", () => {
  assert.deepEqual(
    kinds(
      [buyer({ pings: 100, timeouts: 1, availableCents: 50_000 })],
      [{ id: "s", authFailures: 1 }],
      undefined,
    ),
    [],
  );
});

test("funds: out of funds at 0 or below (critical), low below the threshold (warning), the threshold from settings", () => {
  assert.deepEqual(kinds([buyer({ availableCents: 0 })], [], undefined), ["buyer_out_of_funds"]);
  assert.deepEqual(kinds([buyer({ availableCents: 9_999 })], [], undefined), ["buyer_low_funds"]);
  assert.deepEqual(
    kinds([buyer({ availableCents: ALERT_DEFAULTS.low_funds_dollars * 100 })], [], undefined),
    [],
  );
  assert.deepEqual(kinds([buyer({ availableCents: 40_000 })], [], { low_funds_dollars: 500 }), [
    "buyer_low_funds",
  ]);
  assert.equal(collectAlerts([buyer({ availableCents: -72_250 })], [], undefined)[0]?.severity, "critical");
});

test("timeouts: from the percentage, once the buyer has enough pings to judge", () => {
  assert.deepEqual(kinds([buyer({ pings: 19, timeouts: 19 })], [], undefined), [], "fewer than 20 pings");
  assert.deepEqual(kinds([buyer({ pings: 20, timeouts: 4 })], [], undefined), ["buyer_timeouts"]);
  assert.deepEqual(kinds([buyer({ pings: 20, timeouts: 3 })], [], undefined), []);
  assert.deepEqual(
    kinds([buyer({ pings: 2, timeouts: 1 })], [], { buyer_timeout_min_pings: 2, buyer_timeout_percent: 50 }),
    ["buyer_timeouts"],
  );
});

test("an auto-pause and caps always alert; a paused buyer is not alerted for its money, caps or timeouts", () => {
  const autoPaused = buyer({
    status: "paused",
    autoPausedAt: Date.UTC(2026, 11, 6, 12),
    autoPauseAfter: 3,
    availableCents: 0,
    capped: true,
    pings: 50,
    timeouts: 50,
  });
  const alerts = collectAlerts([autoPaused], [], undefined);
  assert.deepEqual(
    alerts.map((alert) => [alert.kind, alert.severity, alert.since]),
    [["buyer_auto_paused", "critical", "2026-12-06T12:00:00.000Z"]],
  );
  assert.match(alerts[0]?.message ?? "", /after 3 failed posts in a row/);
  assert.deepEqual(
    kinds([buyer({ status: "paused", capped: true })], [], undefined),
    [],
    "the operator's pause",
  );
  assert.deepEqual(kinds([buyer({ capped: true, cappedCampaigns: ["c1"] })], [], undefined), [
    "buyer_capped",
    "campaign_capped",
  ]);
});

test("a source's refused keys alert from the threshold; critical alerts come first", () => {
  const alerts = collectAlerts(
    [buyer({ id: "low", availableCents: 100 })],
    [
      { id: "quiet", authFailures: 4 },
      { id: "rotated", authFailures: 5, lastFailureAt: 0 },
    ],
    undefined,
  );
  assert.deepEqual(
    alerts.map((alert) => [alert.kind, alert.subject.id]),
    [
      ["source_auth_failures", "rotated"],
      ["buyer_low_funds", "low"],
    ],
  );
});

test("duplicate windows evicting at their ceiling: a warning about the exchange itself, since the first eviction", () => {
  const through = Date.parse("2026-12-09T10:00:00Z");
  const alerts = collectAlerts([buyer({ capped: true })], [], undefined, {
    evicted: 1_234,
    maxKeys: 8_388_608,
    through,
    since: Date.parse("2026-12-07T01:00:00Z"),
  });
  assert.deepEqual(
    alerts.map((alert) => alert.kind),
    ["buyer_capped", "duplicate_window_evictions"],
  );
  const [, evictions] = alerts;
  assert.equal(evictions!.severity, "warning");
  assert.deepEqual(evictions!.subject, { type: "exchange", id: "duplicate_windows" });
  assert.equal(evictions!.since, "2026-12-07T01:00:00.000Z");
  assert.match(evictions!.message, /8388608 keys.*1234 keys evicted.*2026-12-09T10:00:00.000Z/);
  assert.match(evictions!.message, /storage\.duplicate_window_max_keys/);
  assert.deepEqual(kinds([], [], undefined, undefined), []);
});
