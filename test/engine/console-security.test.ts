// The console's login behind a proxy, over real HTTP on both backends: with http.trust_proxy the session cookie is
// Secure when the proxy says the request came over https, and the login limit counts the client's address from
// X-Forwarded-For: ten wrong passwords from one address refuse that address only (the owner elsewhere still logs in),
// and one address cannot try more than fifty accounts. Without trust_proxy those headers are ignored.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { BACKEND, bidder, type Harness, startHarness, testSource } from "../helpers/exchange-harness.ts";

const PASSWORD = "correct horse battery";

async function startWithUsers(http: ConfigFile["http"]): Promise<Harness> {
  const h = await startHarness([bidder("alpha", 10)], () => ({
    sources: [testSource()],
    ...(http ? { http } : {}),
  }));
  for (const email of ["ops@example.com", "owner@example.com"]) {
    const created = await h.admin("POST", "/v1/console/users", {
      email,
      role: "operator",
      password: PASSWORD,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  }
  return h;
}

function login(h: Harness, email: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${h.gavel.url}/v1/console/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ email, password }),
  }).then(async (response) => ({
    status: response.status,
    setCookie: response.headers.get("set-cookie") ?? "",
    body: (await response.json()) as { error?: { code: string; message: string } },
  }));
}

describe(`[${BACKEND}] console login behind a trusted proxy`, () => {
  let h: Harness;
  before(async () => {
    h = await startWithUsers({ trust_proxy: true });
  });
  after(async () => {
    await h?.close();
  });

  test("the session cookie is Secure when the proxy says https, and only then", async () => {
    const overHttps = await login(h, "ops@example.com", PASSWORD, { "x-forwarded-proto": "https" });
    assert.equal(overHttps.status, 200);
    assert.match(overHttps.setCookie, /; Secure$/);
    const overHttp = await login(h, "ops@example.com", PASSWORD, { "x-forwarded-proto": "http" });
    assert.doesNotMatch(overHttp.setCookie, /Secure/);
  });

  test("ten wrong passwords from one address refuse that address; the owner elsewhere still logs in", async () => {
    const attacker = { "x-forwarded-for": "203.0.113.66" };
    for (let i = 0; i < 10; i++) {
      assert.equal((await login(h, "owner@example.com", `guess-${i}`, attacker)).status, 401);
    }
    const refused = await login(h, "owner@example.com", PASSWORD, attacker);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error?.code, "GAVEL_RATE_LIMITED");
    assert.match(refused.body.error?.message ?? "", /from this address/);
    const owner = await login(h, "owner@example.com", PASSWORD, { "x-forwarded-for": "198.51.100.7" });
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
  });

  test("one address cannot try unlimited accounts: refused after fifty, whatever the email", async () => {
    const sprayer = { "x-forwarded-for": "203.0.113.99" };
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) {
      statuses.push((await login(h, `someone-${i}@example.com`, "Winter2026!", sprayer)).status);
    }
    assert.deepEqual(statuses, [...Array(50).fill(401), 429, 429]);
    const refused = await login(h, "ops@example.com", PASSWORD, sprayer);
    assert.equal(refused.status, 429);
    assert.match(refused.body.error?.message ?? "", /from this address/);
    // Another address is not affected.
    assert.equal(
      (await login(h, "ops@example.com", PASSWORD, { "x-forwarded-for": "198.51.100.8" })).status,
      200,
    );
  });
});

describe(`[${BACKEND}] console login without trust_proxy (default)`, () => {
  let h: Harness;
  before(async () => {
    h = await startWithUsers(undefined);
  });
  after(async () => {
    await h?.close();
  });

  test("X-Forwarded-Proto and X-Forwarded-For are ignored: no Secure cookie, one address for everyone", async () => {
    const answer = await login(h, "ops@example.com", PASSWORD, { "x-forwarded-proto": "https" });
    assert.equal(answer.status, 200);
    assert.doesNotMatch(answer.setCookie, /Secure/);
    // A client cannot dodge the limit by claiming new addresses: all ten count against the socket's own.
    for (let i = 0; i < 10; i++) {
      const wrong = await login(h, "owner@example.com", `guess-${i}`, {
        "x-forwarded-for": `203.0.113.${i}`,
      });
      assert.equal(wrong.status, 401);
    }
    const refused = await login(h, "owner@example.com", PASSWORD, { "x-forwarded-for": "198.51.100.9" });
    assert.equal(refused.status, 429);
  });
});
