// The audit trail over real HTTP on both backends: every kind of change is recorded with who made it, from where and
// a before/after diff (configuration through the admin API, a buyer's own pause and resume, an automatic pause, key
// rotations, deposits, return decisions, console users, logins that worked and logins that did not); no secret, key
// or password ever appears in full; the list filters by kind, actor, entity and time and pages by `before`.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { sendDirect } from "../helpers/engine-steps.ts";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  type Reply,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const BUYER_KEY = "buyer-alpha-key-0123456789";
const WEBHOOK_SECRET = "whsec-audit-0123456789-abcdefghij-QRST";
const PASSWORD = "correct horse battery staple";
const WRONG_PASSWORD = "not-the-password-42";

interface AuditEventWire {
  id: string;
  kind: string;
  actor: { type: string; id: string; role?: string };
  entity: string;
  address?: string;
  changes: { path: string; before?: unknown; after?: unknown }[];
  note?: string;
  created_at: string;
}

describe(`[${BACKEND}] the audit trail`, () => {
  let h: Harness;
  /** The source's key after the rotation test. */
  let sourceKey: string | undefined;
  before(async () => {
    h = await startHarness([bidder("alpha", 40), bidder("flaky", 60, { postFault: "error500" })], (farm) => ({
      sources: [testSource({ payout: { model: "margin", amount: 1 } })],
      buyers: [
        { id: "alpha", name: "Alpha Law", status: "active", api_key_sha256: sha256Hex(BUYER_KEY) },
        { id: "flaky", name: "Flaky", status: "active", auto_pause_after_failures: 1 },
      ],
      campaigns: [
        realtimeCampaign(farm, "alpha", { return_window_days: 7 }),
        realtimeCampaign(farm, "flaky"),
      ],
    }));
  });
  after(async () => {
    await h?.close();
  });

  const audit = async (query: string): Promise<AuditEventWire[]> => {
    const answer = await h.admin("GET", `/v1/admin/audit${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.events;
  };
  const latest = async (kind: string, entity: string): Promise<AuditEventWire> => {
    const [event] = await audit(`?kind=${kind}&entity=${encodeURIComponent(entity)}&limit=1`);
    assert.ok(event, `no ${kind} event for ${entity}`);
    return event;
  };
  const change = (event: AuditEventWire, path: string) => event.changes.find((item) => item.path === path);
  const asAdmin = (event: AuditEventWire) => {
    assert.deepEqual(event.actor, { type: "admin", id: "admin-key" });
    assert.ok(event.address, "an address");
    assert.ok(Date.now() - Date.parse(event.created_at) < 60_000, "a time");
  };
  const call = async (key: string, method: string, path: string, body?: unknown): Promise<Reply> => {
    const response = await fetch(h.gavel.url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };
  const login = (email: string, password: string) =>
    fetch(`${h.gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, token: true }),
    });

  test("admin configuration changes: creation, edit and deletion, each with its diff", async () => {
    const campaign = realtimeCampaign(h.farm, "alpha", {
      id: "hooked",
      name: "Hooked",
      status: "paused",
      pricing: { type: "fixed", price: 10 },
      delivery: { type: "webhook", url: "https://buyer.example/hook", secret: WEBHOOK_SECRET },
    });
    delete campaign.ping;
    delete campaign.post;
    assert.equal((await h.admin("PUT", "/v1/admin/campaigns/hooked", campaign)).status, 200);
    const created = await latest("config.put", "campaign:hooked");
    asAdmin(created);
    assert.deepEqual(change(created, "name"), { path: "name", after: "Hooked" });
    assert.equal(change(created, "delivery.secret")?.after, "••••••••••••QRST");

    const read = (await h.admin("GET", "/v1/admin/campaigns/hooked")).body;
    await h.admin("PUT", "/v1/admin/campaigns/hooked", { ...read, name: "Hooked again" });
    const edited = await latest("config.put", "campaign:hooked");
    assert.deepEqual(edited.changes, [{ path: "name", before: "Hooked", after: "Hooked again" }]);

    await h.admin("PUT", "/v1/admin/campaigns/hooked", {
      ...read,
      delivery: { ...read.delivery, secret: `${WEBHOOK_SECRET}-new-WXYZ` },
    });
    const secretChanged = await latest("config.put", "campaign:hooked");
    assert.deepEqual(change(secretChanged, "delivery.secret"), {
      path: "delivery.secret",
      before: "••••••••••••QRST",
      after: "••••••••••••WXYZ",
    });

    assert.equal((await h.admin("DELETE", "/v1/admin/campaigns/hooked")).status, 200);
    const deleted = await latest("config.delete", "campaign:hooked");
    asAdmin(deleted);
    assert.equal(change(deleted, "name")?.before, "Hooked");
    assert.equal(change(deleted, "name")?.after, undefined);

    await h.admin("PUT", "/v1/admin/settings", { default_tmax_ms: 900 });
    const settings = await latest("config.put", "settings");
    asAdmin(settings);
    assert.equal(change(settings, "default_tmax_ms")?.after, 900);

    await h.admin("PUT", "/v1/admin/verticals/pi_audit", {
      ...(await h.admin("GET", "/v1/admin/verticals/personal_injury")).body,
      id: "pi_audit",
      name: "PI audit",
    });
    asAdmin(await latest("config.put", "vertical:pi_audit"));
    const buyer = (await h.admin("GET", "/v1/admin/buyers/alpha")).body;
    await h.admin("PUT", "/v1/admin/buyers/alpha", { ...buyer, name: "Alpha Law LLP" });
    assert.deepEqual((await latest("config.put", "buyer:alpha")).changes, [
      { path: "name", before: "Alpha Law", after: "Alpha Law LLP" },
    ]);
  });

  test("key rotations record the key's hash masked, never the key", async () => {
    const rotated = await h.admin("POST", "/v1/admin/sources/src-main/rotate-key");
    assert.equal(rotated.status, 200);
    const event = await latest("key.rotate", "source:src-main");
    asAdmin(event);
    const hash = change(event, "api_key_sha256");
    assert.ok(hash, JSON.stringify(event));
    const newHash = sha256Hex(rotated.body.api_key);
    assert.equal(hash.after, `••••••••••••${newHash.slice(-4)}`);
    sourceKey = rotated.body.api_key;
    const text = JSON.stringify(await audit("?limit=500"));
    assert.ok(!text.includes(rotated.body.api_key), "the key");
    assert.ok(!text.includes(newHash), "the key's hash in full");

    const buyerRotated = await h.admin("POST", "/v1/admin/buyers/flaky/rotate-key");
    assert.equal(buyerRotated.status, 200);
    asAdmin(await latest("key.rotate", "buyer:flaky"));
    assert.ok(!JSON.stringify(await audit("?limit=500")).includes(buyerRotated.body.api_key));
  });

  test("a buyer's own pause and resume name the buyer; an automatic pause names Gavel", async () => {
    assert.equal((await call(BUYER_KEY, "POST", "/v1/buyer/campaigns/alpha/pause")).status, 200);
    const paused = await latest("config.put", "campaign:alpha");
    assert.deepEqual(paused.actor, { type: "buyer", id: "alpha" });
    assert.ok(paused.address);
    assert.deepEqual(change(paused, "status"), { path: "status", before: "active", after: "paused" });
    assert.equal((await call(BUYER_KEY, "POST", "/v1/buyer/campaigns/alpha/resume")).status, 200);
    assert.deepEqual(change(await latest("config.put", "campaign:alpha"), "status"), {
      path: "status",
      before: "paused",
      after: "active",
    });

    // flaky outbids alpha and fails its post: one failure pauses it (auto_pause_after_failures: 1).
    const sold = await sendDirect(h, sourceKey ? { key: sourceKey } : {});
    assert.equal(sold.status, 200, JSON.stringify(sold.body));
    let pausedByGavel: AuditEventWire | undefined;
    for (let tries = 0; tries < 50 && !pausedByGavel; tries++) {
      pausedByGavel = (await audit("?entity=buyer:flaky&kind=config.put")).find(
        (event) => change(event, "status")?.after === "paused",
      );
      if (!pausedByGavel) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(pausedByGavel, "the automatic pause is recorded");
    assert.deepEqual(pausedByGavel.actor, { type: "system", id: "post-failures" });
    assert.equal(pausedByGavel.address, undefined);

    await h.admin("POST", "/v1/admin/buyers/flaky/resume");
    const resumed = await latest("config.put", "buyer:flaky");
    asAdmin(resumed);
    assert.deepEqual(change(resumed, "status"), { path: "status", before: "paused", after: "active" });
  });

  test("deposits and return decisions", async () => {
    const deposit = await h.admin("POST", "/v1/admin/buyers/alpha/deposits", {
      id: "dep-audit-1",
      amount: 125.5,
      note: "wire",
    });
    assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
    const recorded = await latest("deposit.add", "buyer:alpha");
    asAdmin(recorded);
    assert.deepEqual(recorded.changes, [
      { path: "deposit", after: { id: "dep-audit-1", amount_cents: 12550 } },
    ]);
    // A repeat of the same top-up is not a second deposit, nor a second event.
    await h.admin("POST", "/v1/admin/buyers/alpha/deposits", { id: "dep-audit-1", amount: 125.5 });
    assert.equal((await audit("?kind=deposit.add&entity=buyer:alpha")).length, 1);

    // flaky (resumed above) would outbid alpha and fail again: paused by hand, so alpha buys the lead to return.
    await h.admin("PUT", "/v1/admin/buyers/flaky", {
      ...(await h.admin("GET", "/v1/admin/buyers/flaky")).body,
      status: "paused",
    });
    const sold = await sendDirect(h, sourceKey ? { key: sourceKey } : {});
    assert.equal(sold.body.status, "sold", JSON.stringify(sold.body));
    const returned = await h.admin("POST", `/v1/admin/leads/${sold.body.lead_id}/returns`, {
      reason: "invalid_contact",
      note: "jane.doe@example.com never answers",
    });
    assert.equal(returned.status, 201, JSON.stringify(returned.body));
    const returnId = returned.body.return.id as string;
    assert.equal((await h.admin("POST", `/v1/admin/returns/${returnId}/reject`)).status, 200);
    const decided = await latest("return.decide", `return:${returnId}`);
    asAdmin(decided);
    assert.deepEqual(change(decided, "status"), { path: "status", before: "pending", after: "rejected" });
    assert.ok(!JSON.stringify(decided).includes("jane.doe"), "the buyer's note stays out");
  });

  test("console users and logins: success and failure, never a password", async () => {
    const created = await h.admin("POST", "/v1/console/users", {
      email: "ops@example.com",
      role: "operator",
      password: PASSWORD,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const userId = created.body.user.id as string;
    const put = await latest("user.put", `user:${userId}`);
    asAdmin(put);
    assert.deepEqual(change(put, "role"), { path: "role", after: "operator" });

    const failed = await login("OPS@example.com", WRONG_PASSWORD);
    assert.equal(failed.status, 401);
    const failure = await latest("login.failure", "login");
    assert.deepEqual(failure.actor, { type: "user", id: "ops@example.com" });
    assert.ok(failure.address);
    assert.equal(failure.note, "GAVEL_UNAUTHORIZED");

    const ok = await login("ops@example.com", PASSWORD);
    assert.equal(ok.status, 200);
    const { token } = (await ok.json()) as { token: string };
    const success = await latest("login.success", `user:${userId}`);
    assert.deepEqual(success.actor, { type: "user", id: userId, role: "operator" });
    assert.ok(success.address);

    // A change made through a console session names the user and its role.
    await call(token, "PUT", "/v1/admin/settings", { default_tmax_ms: 950 });
    const bySession = await latest("config.put", "settings");
    assert.deepEqual(bySession.actor, { type: "user", id: userId, role: "operator" });

    await h.admin("POST", "/v1/console/users", {
      email: "ops@example.com",
      role: "operator",
      password: "another-one-9",
    });
    assert.deepEqual(change(await latest("user.put", `user:${userId}`), "password"), {
      path: "password",
      before: "(set)",
      after: "(set again)",
    });
    const everything = JSON.stringify(await audit("?limit=500"));
    for (const secret of [
      PASSWORD,
      WRONG_PASSWORD,
      "another-one-9",
      BUYER_KEY,
      WEBHOOK_SECRET,
      ADMIN_KEY,
      "scrypt$",
    ]) {
      assert.ok(!everything.includes(secret), `the trail shows ${secret}`);
    }
  });

  test("a source user rotating its own key is named with its role", async () => {
    const created = await h.admin("POST", "/v1/console/users", {
      email: "seller@example.com",
      role: "source",
      party_id: "src-main",
      password: PASSWORD,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const ok = await login("seller@example.com", PASSWORD);
    const { token } = (await ok.json()) as { token: string };
    const rotated = await call(token, "POST", "/v1/source/rotate-key");
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    sourceKey = rotated.body.api_key;
    const event = await latest("key.rotate", "source:src-main");
    assert.deepEqual(event.actor, { type: "user", id: created.body.user.id, role: "source" });
    assert.ok(event.address);
    assert.ok(!JSON.stringify(await audit("?limit=500")).includes(rotated.body.api_key));
  });

  test("filters by kind, actor, entity kind and time; pages by before; bad filters are 400", async () => {
    const all = await audit("?limit=500");
    assert.ok(all.length > 10);
    assert.deepEqual(
      all.map((event) => event.id),
      all
        .map((event) => event.id)
        .toSorted()
        .reverse(),
      "newest first",
    );
    const campaigns = await audit("?entity=campaign&limit=500");
    assert.ok(campaigns.length > 0 && campaigns.every((event) => event.entity.startsWith("campaign:")));
    const system = await audit("?actor=post-failures");
    assert.ok(system.length > 0 && system.every((event) => event.actor.id === "post-failures"));
    assert.deepEqual(await audit(`?since=${new Date(Date.now() + 60_000).toISOString()}`), []);

    const pages: string[] = [];
    let beforeId: string | undefined;
    for (;;) {
      const answer = await h.admin("GET", `/v1/admin/audit?limit=3${beforeId ? `&before=${beforeId}` : ""}`);
      pages.push(...answer.body.events.map((event: AuditEventWire) => event.id));
      beforeId = answer.body.next_before;
      if (!beforeId) break;
    }
    assert.deepEqual(
      pages,
      all.map((event) => event.id),
    );

    assert.equal((await h.admin("GET", "/v1/admin/audit?kind=nonsense")).status, 400);
    assert.equal((await h.admin("GET", "/v1/admin/audit?since=yesterday")).status, 400);
    assert.equal((await call("wrong-key", "GET", "/v1/admin/audit")).status, 401);
  });
});
