// Console users and sessions over every Store implementation: a user is found by id and by email, putting the same
// email again replaces its role and password but keeps its id; sessions are found by token hash, deleted at logout,
// and the expired ones are dropped when a new session begins; deleting a user ends its sessions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ConsoleUser, Store } from "../../src/store/store.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const T0 = Date.parse("2026-11-20T12:00:00Z");
const HOUR = 3_600_000;

const operator: ConsoleUser = {
  id: "u-op",
  email: "ops@example.com",
  role: "operator",
  password_hash: "scrypt$16384$8$1$salt$hash",
  created_at: T0,
};
const buyerUser: ConsoleUser = {
  id: "u-buyer",
  email: "buyer@example.com",
  role: "buyer",
  party_id: "buyer-a",
  password_hash: "scrypt$16384$8$1$salt2$hash2",
  created_at: T0 + 1,
};

/** A session of this user, its token hash the token's character repeated. */
const session = (token: string, userId: string) => ({
  token_sha256: token.repeat(64),
  user_id: userId,
  created_at: T0,
  expires_at: T0 + HOUR,
});

for (const impl of STORES) {
  describe(`${impl.name} console users and sessions`, () => {
    let store: Store;
    const { reopen } = freshStoreEach(impl, (opened) => {
      store = opened;
    });

    test("users are found by id and email; the same email again replaces role and password, keeps the id", async () => {
      assert.deepEqual(await store.putUser(operator), operator);
      await store.putUser(buyerUser);
      assert.deepEqual(await store.getUser("u-buyer"), buyerUser);
      assert.deepEqual(await store.getUserByEmail("ops@example.com"), operator);
      assert.equal(await store.getUser("nobody"), undefined);
      assert.equal(await store.getUserByEmail("nobody@example.com"), undefined);

      const replaced = await store.putUser({
        ...buyerUser,
        id: "u-other",
        role: "source",
        party_id: "src-1",
        password_hash: "scrypt$new",
        created_at: T0 + 5,
      });
      assert.deepEqual(replaced, {
        ...buyerUser,
        role: "source",
        party_id: "src-1",
        password_hash: "scrypt$new",
      });
      assert.deepEqual(
        (await store.listUsers()).map((user) => user.email),
        ["buyer@example.com", "ops@example.com"],
      );
      // Durable: a fresh connection reads the same.
      const again = await reopen();
      assert.deepEqual(await again.getUser("u-buyer"), replaced);
    });

    test("sessions are found by token hash, end at logout, and expired ones go when a new one begins", async () => {
      await store.putUser(operator);
      const old = { token_sha256: "a".repeat(64), user_id: "u-op", created_at: T0, expires_at: T0 + HOUR };
      await store.createSession(old);
      assert.deepEqual(await store.getSession(old.token_sha256), old);
      const current = {
        token_sha256: "b".repeat(64),
        user_id: "u-op",
        created_at: T0 + 2 * HOUR,
        expires_at: T0 + 14 * HOUR,
      };
      await store.createSession(current);
      assert.equal(await store.getSession(old.token_sha256), undefined);
      assert.deepEqual(await store.getSession(current.token_sha256), current);
      await store.deleteSession(current.token_sha256);
      assert.equal(await store.getSession(current.token_sha256), undefined);
    });

    test("replacing a user (a new password, role or party) ends its sessions, and only its own", async () => {
      await store.putUser(operator);
      await store.putUser(buyerUser);
      await store.createSession(session("c", "u-op"));
      await store.createSession(session("d", "u-buyer"));
      await store.putUser({ ...operator, password_hash: "scrypt$changed" });
      assert.equal(await store.getSession("c".repeat(64)), undefined);
      assert.deepEqual(await store.getSession("d".repeat(64)), session("d", "u-buyer"));
    });

    test("deleting a user removes it and ends its sessions, and only its own", async () => {
      await store.putUser(operator);
      await store.putUser(buyerUser);
      await store.createSession(session("e", "u-op"));
      await store.createSession(session("f", "u-buyer"));
      assert.equal(await store.deleteUser("u-buyer"), true);
      assert.equal(await store.getUser("u-buyer"), undefined);
      assert.equal(await store.getSession("f".repeat(64)), undefined);
      assert.deepEqual(await store.getSession("e".repeat(64)), session("e", "u-op"));
      assert.deepEqual(
        (await store.listUsers()).map((user) => user.id),
        ["u-op"],
      );
      assert.equal(await store.deleteUser("u-buyer"), false, "gone already");
    });
  });
}
