// The console's login guess limit, one suite over both implementations (process memory and Redis): ten attempts per
// email in the window, then refused until it ends; a right password forgets them; parallel guesses never get more than
// the limit between them. Redis only: two instances share the count, the email is stored as a hash, and a Redis that
// goes away or stalls makes an attempt fail (503) within the command timeout, never hang. Needs GAVEL_TEST_REDIS_URL.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConsoleAuth } from "../../src/console/console-auth.ts";
import type { LoginLimit, LoginThrottle } from "../../src/console/login-throttle.ts";
import { MemoryLoginThrottle } from "../../src/console/memory-login-throttle.ts";
import { RedisLoginThrottle } from "../../src/console/redis-login-throttle.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";
import type { Store } from "../../src/store/store.ts";
import { redisTarget, redisUrlOnPort } from "../distributed/distributed-exchange.ts";
import { startTcpProxy } from "../distributed/tcp-proxy.ts";
import {
  connectAdminClient,
  connectTestHotState,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRunPrefix,
} from "../store/redis-test-helpers.ts";

const LIMIT: LoginLimit = { attempts: 10, windowMs: 15 * 60_000 };
const prefix = testRunPrefix("login-throttle");
const opened: LoginThrottle[] = [];

async function redisThrottle(url = TEST_REDIS_URL): Promise<RedisLoginThrottle> {
  // Fails within seconds with the clear connect error when the test Redis is unreachable (the suite fails, not hangs).
  await connectTestHotState({ keyPrefix: prefix }).then((probe) => probe.close());
  const throttle = await RedisLoginThrottle.connect({ url, keyPrefix: prefix, commandTimeoutMs: 500 });
  opened.push(throttle);
  return throttle;
}

after(async () => {
  for (const throttle of opened) await throttle.close();
  await deleteKeysWithPrefix(prefix);
});

const IMPLEMENTATIONS: { name: string; open(): Promise<LoginThrottle> }[] = [
  { name: "memory", open: async () => new MemoryLoginThrottle() },
  { name: "redis", open: () => redisThrottle() },
];

let emails = 0;
const freshEmail = () => `user-${++emails}-${Date.now()}@example.com`;

async function attempts(
  throttle: LoginThrottle,
  email: string,
  count: number,
  limit = LIMIT,
): Promise<boolean[]> {
  const admitted: boolean[] = [];
  for (let i = 0; i < count; i++) admitted.push(await throttle.tryAttempt(email, limit, Date.now()));
  return admitted;
}

for (const implementation of IMPLEMENTATIONS) {
  describe(`[${implementation.name}] login throttle`, () => {
    test("ten attempts in the window, then refused; other emails are not affected", async () => {
      const throttle = await implementation.open();
      const email = freshEmail();
      assert.deepEqual(await attempts(throttle, email, 12), [...Array(10).fill(true), false, false]);
      assert.equal(await throttle.tryAttempt(freshEmail(), LIMIT, Date.now()), true);
    });

    test("a right password forgets the attempts", async () => {
      const throttle = await implementation.open();
      const email = freshEmail();
      await attempts(throttle, email, 9);
      await throttle.clear(email);
      assert.deepEqual(await attempts(throttle, email, 11), [...Array(10).fill(true), false]);
    });

    test("parallel guesses get no more than the limit between them", async () => {
      const throttle = await implementation.open();
      const email = freshEmail();
      const admitted = await Promise.all(
        Array.from({ length: 40 }, () => throttle.tryAttempt(email, LIMIT, Date.now())),
      );
      assert.equal(admitted.filter(Boolean).length, 10);
    });

    test("once the window ends, the email may try again", async () => {
      const throttle = await implementation.open();
      const email = freshEmail();
      const short = { attempts: 2, windowMs: 300 };
      assert.deepEqual(await attempts(throttle, email, 3, short), [true, true, false]);
      await sleep(400);
      assert.deepEqual(await attempts(throttle, email, 1, short), [true]);
    });
  });
}

describe("[redis] login throttle across instances", () => {
  test("two instances share one count, under a hash of the email with the window as TTL", async () => {
    const [a, b] = [await redisThrottle(), await redisThrottle()];
    const email = freshEmail();
    for (let i = 0; i < 5; i++) {
      assert.equal(await a.tryAttempt(email, LIMIT, Date.now()), true);
      assert.equal(await b.tryAttempt(email, LIMIT, Date.now()), true);
    }
    assert.equal(await a.tryAttempt(email, LIMIT, Date.now()), false);
    assert.equal(await b.tryAttempt(email, LIMIT, Date.now()), false);
    const admin = await connectAdminClient();
    try {
      const keys = await admin.keys(`${prefix}:console-login:*`);
      assert.ok(keys.length > 0);
      for (const key of keys) assert.ok(!key.includes("@"), `no email in clear: ${key}`);
      const ttl = await admin.pttl(keys[0]!);
      assert.ok(ttl > 0 && ttl <= LIMIT.windowMs, `expires with the window: ${ttl}`);
    } finally {
      admin.disconnect();
    }
  });

  test("Redis gone or stalled: the attempt fails clearly (fail closed) within the command timeout", async () => {
    const proxy = await startTcpProxy(redisTarget());
    try {
      const throttle = await redisThrottle(redisUrlOnPort(proxy.port));
      const email = freshEmail();
      assert.equal(await throttle.tryAttempt(email, LIMIT, Date.now()), true);
      for (const fault of ["stall", "cut"] as const) {
        proxy[fault]();
        const started = performance.now();
        await assert.rejects(throttle.tryAttempt(email, LIMIT, Date.now()), (error: unknown) => {
          assert.ok(error instanceof ServiceUnavailableError, String(error));
          assert.match(error.message, /login throttle .* tryAttempt failed/);
          return true;
        });
        assert.ok(
          performance.now() - started < 1_500,
          `${fault}: failed in ${performance.now() - started} ms`,
        );
        proxy.restore();
      }
    } finally {
      await proxy.close();
    }
  });
});

test("a login whose throttle fails is refused with the throttle's error (503), before any password is checked", async () => {
  const down: LoginThrottle = {
    tryAttempt: () =>
      Promise.reject(new ServiceUnavailableError("Redis login throttle: tryAttempt failed: down")),
    clear: async () => {},
    close: async () => {},
  };
  // The store is never reached: the attempt is refused first.
  const auth = new ConsoleAuth({ store: {} as Store, loginThrottle: down });
  await assert.rejects(auth.login("ops@example.com", "anything"), ServiceUnavailableError);
});
