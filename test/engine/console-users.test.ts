// Deleting console users, over real HTTP on both backends: the user's session stops working at once and the user can
// no longer log in; a buyer kept by its console user can then be deleted; the last operator, a user the
// configuration file defines and an unknown id are refused; a buyer user may not delete anyone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  type Reply,
  startHarness,
} from "../helpers/exchange-harness.ts";

const PASSWORD = "a long enough password";

describe(`[${BACKEND}] console users deleted`, () => {
  let h: Harness;

  const call = async (token: string, method: string, path: string, body?: unknown): Promise<Reply> => {
    const response = await fetch(h.gavel.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const login = async (email: string): Promise<Reply> => {
    const response = await fetch(`${h.gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD, token: true }),
    });
    return { status: response.status, body: await response.json() };
  };
  const addUser = async (user: { email: string; role: string; party_id?: string }) => {
    const created = await h.admin("POST", "/v1/console/users", { ...user, password: PASSWORD });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return created.body.user.id as string;
  };

  before(async () => {
    h = await startHarness([bidder("alpha", 40)]);
    // A buyer of its own, made through the API (the file's buyers cannot be deleted).
    assert.equal(
      (await h.admin("PUT", "/v1/admin/buyers/gone", { name: "Gone", status: "active" })).status,
      200,
    );
  });
  after(() => h?.close());

  test("a deleted user's session ends at once and it cannot log in; then its buyer can go", async () => {
    const userId = await addUser({ email: "gone@example.com", role: "buyer", party_id: "gone" });
    const session = await login("gone@example.com");
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const token = session.body.token as string;
    assert.equal((await call(token, "GET", "/v1/console/me")).status, 200);

    const kept = await h.admin("DELETE", "/v1/admin/buyers/gone");
    assert.equal(kept.status, 409);
    assert.equal(kept.body.error.code, "GAVEL_IN_USE");
    assert.match(kept.body.error.message, /user gone@example\.com/);

    const deleted = await h.admin("DELETE", `/v1/console/users/${userId}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body, { deleted: userId });
    assert.equal((await call(token, "GET", "/v1/console/me")).status, 401, "the session ended with the user");
    assert.equal((await login("gone@example.com")).status, 401);
    const users = await h.admin("GET", "/v1/console/users");
    assert.ok(!users.body.users.some((user: { id: string }) => user.id === userId));
    assert.equal(
      (await h.admin("DELETE", "/v1/admin/buyers/gone")).status,
      200,
      "nothing keeps the buyer now",
    );
    assert.equal((await h.admin("DELETE", `/v1/console/users/${userId}`)).status, 404);
  });

  test("the last operator cannot be deleted; one of two can, by the other", async () => {
    const first = await addUser({ email: "ops1@example.com", role: "operator" });
    const second = await addUser({ email: "ops2@example.com", role: "operator" });
    const asFirst = (await login("ops1@example.com")).body.token as string;
    assert.equal((await call(asFirst, "DELETE", `/v1/console/users/${second}`)).status, 200);
    const last = await call(asFirst, "DELETE", `/v1/console/users/${first}`);
    assert.equal(last.status, 409);
    assert.equal(last.body.error.code, "GAVEL_LAST_OPERATOR");
    assert.match(last.body.error.message, /last operator/);
  });

  test("a buyer user may not delete users (403); no key is 401", async () => {
    const target = await addUser({ email: "target@example.com", role: "buyer", party_id: "alpha" });
    await addUser({ email: "alpha@example.com", role: "buyer", party_id: "alpha" });
    const asBuyer = (await login("alpha@example.com")).body.token as string;
    assert.equal((await call(asBuyer, "DELETE", `/v1/console/users/${target}`)).status, 403);
    assert.equal((await call("wrong", "DELETE", `/v1/console/users/${target}`)).status, 401);
    assert.equal(
      (await call(ADMIN_KEY, "DELETE", `/v1/console/users/${target}`)).status,
      200,
      "the admin key may",
    );
  });
});
