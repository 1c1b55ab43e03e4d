// The console's users, sessions and roles, enforced on the server, over real HTTP on both backends: login sets an
// httpOnly SameSite=Strict cookie (and answers a bearer token on request); an operator session may use the admin API;
// a buyer user reads only its own buyer's leads (another buyer's is 404) and no admin route (403); a source user sees
// its own submissions without PII, nothing of another source's, and no buyer or admin route; logout ends the session.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { sendDirect } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  OTHER_SOURCE_KEY,
  personalInjuryLead,
  type Reply,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const PASSWORD = "correct horse battery";

describe(`[${BACKEND}] console API: users, sessions and roles`, () => {
  let h: Harness;
  const cookies: Record<string, string> = {};
  const leads: Record<string, string> = {};

  const as = async (
    cookie: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Reply> => {
    const response = await fetch(h.gavel.url + path, {
      method,
      headers: {
        ...(cookie === undefined ? {} : { cookie }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const login = async (email: string, password = PASSWORD) => {
    const response = await fetch(`${h.gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    return {
      status: response.status,
      setCookie: response.headers.get("set-cookie"),
      body: (await response.json()) as Reply["body"],
    };
  };

  before(async () => {
    h = await startHarness([bidder("alpha", 40), bidder("beta", 30)], (farm) => ({
      sources: [
        testSource(),
        testSource({ id: "src-other", name: "Other source", api_key_sha256: sha256Hex(OTHER_SOURCE_KEY) }),
      ],
      buyers: [
        { id: "alpha", name: "Alpha Law", status: "active" },
        { id: "beta", name: "Beta Injury", status: "active" },
      ],
      campaigns: [realtimeCampaign(farm, "alpha", { return_window_days: 7 }), realtimeCampaign(farm, "beta")],
    }));
    const users = [
      { email: "ops@example.com", role: "operator" },
      { email: "Alpha@Example.com", role: "buyer", party_id: "alpha" },
      { email: "beta@example.com", role: "buyer", party_id: "beta" },
      { email: "source@example.com", role: "source", party_id: "src-main" },
    ];
    for (const user of users) {
      const created = await h.admin("POST", "/v1/console/users", { ...user, password: PASSWORD });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.user.password_hash, undefined, "the hash is never answered");
    }
    // alpha bids highest: the main source's lead sells to alpha; the other source's lead too.
    const main = await sendDirect(h, {});
    assert.equal(main.body.status, "sold", JSON.stringify(main.body));
    leads.main = main.body.lead_id;
    const another = personalInjuryLead();
    another.full = { ...another.full, email: "sam.other@example.com", phone: "(212) 555-0199" };
    const other = await sendDirect(h, { key: OTHER_SOURCE_KEY, lead: another });
    assert.equal(other.body.status, "sold", JSON.stringify(other.body));
    leads.other = other.body.lead_id;
  });
  after(async () => {
    await h?.close();
  });

  test("login sets an httpOnly, SameSite=Strict session cookie; a wrong password or unknown email is 401", async () => {
    for (const email of ["ops@example.com", "alpha@example.com", "beta@example.com", "source@example.com"]) {
      const ok = await login(email);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.match(
        ok.setCookie ?? "",
        /^gavel_session=gvl_session_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/,
      );
      assert.equal(ok.body.token, undefined, "the token stays in the cookie unless asked for");
      cookies[email.split("@")[0]!] = ok.setCookie!.split(";")[0]!;
    }
    assert.equal((await login("ops@example.com", "wrong password")).status, 401);
    assert.equal((await login("nobody@example.com")).status, 401);
    const me = await as(cookies.alpha, "GET", "/v1/console/me");
    assert.deepEqual(
      { role: me.body.user.role, party: me.body.party },
      { role: "buyer", party: { id: "alpha", name: "Alpha Law" } },
    );
    assert.equal((await as(undefined, "GET", "/v1/console/me")).status, 401);
  });

  test("an operator session may use the admin API; a buyer or source user may not (403), nor no session (401)", async () => {
    const lead = await as(cookies.ops, "GET", `/v1/admin/leads/${leads.main}`);
    assert.equal(lead.status, 200, JSON.stringify(lead.body));
    assert.ok(lead.body.trace.length > 0);
    for (const who of ["alpha", "source"]) {
      for (const path of [
        `/v1/admin/leads/${leads.main}`,
        "/v1/admin/config",
        "/v1/admin/returns",
        "/v1/console/users",
      ]) {
        const refused = await as(cookies[who], "GET", path);
        assert.equal(refused.status, 403, `${who} ${path}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.code, "GAVEL_FORBIDDEN");
      }
    }
    assert.equal((await as(undefined, "GET", "/v1/admin/config")).status, 401);
    assert.equal((await as(cookies.alpha, "GET", "/v1/console/live")).status, 403);
  });

  test("a buyer user reads only its buyer's leads: another buyer's lead is 404, its list holds none", async () => {
    const own = await as(cookies.alpha, "GET", `/v1/buyer/leads/${leads.main}`);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(
      own.body.lead.lead.email,
      personalInjuryLead().full.email.toLowerCase(),
      "a buyer sees the PII it paid for",
    );
    const notBeta = await as(cookies.beta, "GET", `/v1/buyer/leads/${leads.main}`);
    assert.equal(notBeta.status, 404);
    const betaList = await as(cookies.beta, "GET", "/v1/buyer/leads");
    assert.equal(betaList.status, 200);
    assert.deepEqual(betaList.body.leads, []);
    assert.equal((await as(cookies.source, "GET", "/v1/buyer/leads")).status, 403);
    assert.equal((await as(cookies.ops, "GET", "/v1/buyer/leads")).status, 403);
  });

  test("a buyer user returns a lead and an operator session approves it", async () => {
    const returned = await as(cookies.alpha, "POST", `/v1/buyer/leads/${leads.main}/returns`, {
      reason: "invalid_contact",
    });
    assert.equal(returned.status, 201, JSON.stringify(returned.body));
    const approved = await as(
      cookies.ops,
      "POST",
      `/v1/admin/returns/${returned.body.return.id}/approve`,
      {},
    );
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.return.status, "approved");
  });

  test("a source user sees its own submissions and outcomes, never PII, never another source's", async () => {
    const list = await as(cookies.source, "GET", "/v1/source/leads");
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(
      list.body.leads.map((lead: { id: string }) => lead.id),
      [leads.main],
    );
    const [submission] = list.body.leads;
    assert.equal(submission.status, "sold");
    assert.ok(submission.payout > 0);
    assert.equal(submission.fields.state, "CA");
    const text =
      JSON.stringify(list.body) +
      JSON.stringify((await as(cookies.source, "GET", `/v1/source/leads/${leads.main}`)).body);
    const { full } = personalInjuryLead();
    for (const pii of [
      full.email,
      full.phone,
      full.phone.replace(/\D/g, "").slice(-7),
      full.first_name,
      full.last_name,
      full.accident_narrative,
    ]) {
      assert.ok(!text.toLowerCase().includes(pii.toLowerCase()), `no ${pii} in what a source user receives`);
    }
    assert.ok(!text.includes("alpha"), "no buyer in what a source user receives");
    assert.equal((await as(cookies.source, "GET", `/v1/source/leads/${leads.other}`)).status, 404);
    const summary = await as(cookies.source, "GET", "/v1/source/summary?days=1");
    assert.equal(summary.status, 200, JSON.stringify(summary.body));
    assert.deepEqual(
      { leads: summary.body.leads, sold: summary.body.sold, sold_rate: summary.body.sold_rate },
      { leads: 1, sold: 1, sold_rate: 1 },
      "its own lead only, not the other source's",
    );
    assert.equal(summary.body.payouts, submission.payout);
    assert.equal(summary.body.revenue, undefined, "what buyers paid is not the source's business");
    assert.equal((await as(cookies.alpha, "GET", "/v1/source/leads")).status, 403);
    assert.equal((await as(undefined, "GET", "/v1/source/leads")).status, 401);
  });

  test("ten wrong passwords for an email refuse its logins for a while (429), even the right password", async () => {
    const created = await h.admin("POST", "/v1/console/users", {
      email: "guessed@example.com",
      role: "source",
      party_id: "src-other",
      password: PASSWORD,
    });
    assert.equal(created.status, 200);
    for (let i = 0; i < 10; i++) assert.equal((await login("guessed@example.com", `guess-${i}`)).status, 401);
    const refused = await login("guessed@example.com");
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "GAVEL_RATE_LIMITED");
    assert.equal((await login("source@example.com")).status, 200, "other emails are not affected");
  });

  test("a new password ends the user's sessions", async () => {
    const first = await login("beta@example.com");
    const cookie = first.setCookie!.split(";")[0]!;
    assert.equal((await as(cookie, "GET", "/v1/console/me")).status, 200);
    const changed = await h.admin("POST", "/v1/console/users", {
      email: "beta@example.com",
      role: "buyer",
      party_id: "beta",
      password: "a brand new password",
    });
    assert.equal(changed.status, 200);
    assert.equal((await as(cookie, "GET", "/v1/console/me")).status, 401);
    assert.equal((await login("beta@example.com", "a brand new password")).status, 200);
  });

  test("a session token works as a bearer token for API clients; logout ends it", async () => {
    const response = await fetch(`${h.gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ops@example.com", password: PASSWORD, token: true }),
    });
    const { token } = (await response.json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${h.gavel.url}/v1/admin/config`, { headers: bearer })).status, 200);
    const out = await fetch(`${h.gavel.url}/v1/console/logout`, { method: "POST", headers: bearer });
    assert.equal(out.status, 200);
    assert.equal((await fetch(`${h.gavel.url}/v1/admin/config`, { headers: bearer })).status, 401);
  });
});
