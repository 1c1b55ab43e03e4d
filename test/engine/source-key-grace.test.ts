// A source key rotated with a grace period: the old key keeps working until the grace ends (by the exchange's clock,
// moved by the test, never slept through), then is refused and counted against its source; an edit during the grace
// keeps it; a rotation without grace, or a second rotation, ends it at once; the rotation is audited with the grace's
// end and no key in full; a bad grace is a 400 naming grace_minutes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { ManualClock } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  SOURCE_KEY,
  startHarness,
} from "../helpers/exchange-harness.ts";

const MINUTE_MS = 60_000;

describe(`[${BACKEND}] source key rotation with a grace period`, () => {
  let h: Harness;
  const clock = new ManualClock();
  before(async () => {
    h = await startHarness([bidder("alpha", 40)], undefined, { now: clock.now });
  });
  after(async () => {
    await h?.close();
  });

  const pingWith = async (key: string) =>
    (await h.call("/v1/ping", { vertical: "personal_injury", lead: personalInjuryLead().ping }, { key }))
      .status;

  test("the old key works through the grace period and is refused after it, counted against its source", async () => {
    const rotated = await h.admin("POST", "/v1/admin/sources/src-main/rotate-key", { grace_minutes: 60 });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const newKey: string = rotated.body.api_key;
    assert.equal(rotated.body.source.previous_api_key_sha256, sha256Hex(SOURCE_KEY));
    const expiresAt = Date.parse(rotated.body.source.previous_key_expires_at);
    assert.ok(Math.abs(expiresAt - (clock.now() + 60 * MINUTE_MS)) < MINUTE_MS, "an hour from the rotation");

    assert.equal(await pingWith(SOURCE_KEY), 200, "the old key, just after the rotation");
    assert.equal(await pingWith(newKey), 200, "the new key");

    // An edit through the admin API that leaves out the key fields keeps the grace (the console's form sends them).
    const {
      api_key_sha256: _,
      previous_api_key_sha256: __,
      previous_key_expires_at: ___,
      ...edited
    } = (await h.admin("GET", "/v1/admin/sources/src-main")).body;
    assert.equal(
      (await h.admin("PUT", "/v1/admin/sources/src-main", { ...edited, name: "Renamed" })).status,
      200,
    );

    clock.advance(59 * MINUTE_MS);
    assert.equal(await pingWith(SOURCE_KEY), 200, "the old key, a minute before the grace ends");

    clock.advance(2 * MINUTE_MS);
    assert.equal(await pingWith(SOURCE_KEY), 401, "the old key, a minute after the grace ended");
    assert.equal(await pingWith(newKey), 200, "the new key still");
    const failures = await h.admin("GET", "/v1/admin/sources/auth-failures");
    assert.equal(failures.body.sources[0]?.source_id, "src-main", JSON.stringify(failures.body));

    // Audited as a key rotation: the old key's hash masked, the grace's end in the clear.
    const events = (await h.admin("GET", "/v1/admin/audit?kind=key.rotate&entity=source:src-main&limit=1"))
      .body.events as { changes: { path: string; before?: unknown; after?: unknown }[] }[];
    const changes = events[0]?.changes ?? [];
    const change = (path: string) => changes.find((item) => item.path === path);
    assert.equal(change("previous_key_expires_at")?.after, rotated.body.source.previous_key_expires_at);
    assert.equal(change("previous_api_key_sha256")?.after, `••••••••••••${sha256Hex(SOURCE_KEY).slice(-4)}`);
    assert.ok(!JSON.stringify(events).includes(sha256Hex(SOURCE_KEY)), "no key hash in full");
  });

  test("a rotation without grace, or one during another's grace, ends the old key at once", async () => {
    const first = await h.admin("POST", "/v1/admin/sources/src-main/rotate-key", { grace_minutes: 30 });
    const firstKey: string = first.body.api_key;
    const second = await h.admin("POST", "/v1/admin/sources/src-main/rotate-key", { grace_minutes: 30 });
    const secondKey: string = second.body.api_key;
    assert.equal(await pingWith(firstKey), 200, "the key just before the last rotation is in its grace");
    const third = await h.admin("POST", "/v1/admin/sources/src-main/rotate-key");
    assert.equal(third.status, 200);
    assert.equal(third.body.source.previous_api_key_sha256, undefined);
    assert.equal(await pingWith(secondKey), 401, "a bare rotation revokes the old key at once");
    assert.equal(await pingWith(firstKey), 401, "an older key's grace ended with the next rotation");
    assert.equal(await pingWith(third.body.api_key), 200);
  });

  test("a grace period out of range, or another field, is a 400 naming grace_minutes", async () => {
    for (const body of [
      { grace_minutes: -1 },
      { grace_minutes: 7 * 24 * 60 + 1 },
      { grace_minutes: 1.5 },
      { x: 1 },
    ]) {
      const answer = await h.admin("POST", "/v1/admin/sources/src-main/rotate-key", body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.code, "GAVEL_VALIDATION");
      assert.equal(answer.body.error.field, "grace_minutes");
    }
  });
});
