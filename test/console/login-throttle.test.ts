// The console's login guess limit, one suite over both implementations (process memory and Redis): each counter admits
// its limit of attempts in the window, then refuses until it ends; an attempt counts in all of its counters or none; a
// right password clears or refunds them; parallel guesses never get more than the limit between them. The policy
// (login-limits.ts) on both: one address cannot try unlimited accounts, a few tries cannot lock a known account out
// for everyone, an office behind one address is never refused for logging in. Redis only: two instances share the
// count, no email is stored in clear, and a Redis that goes away or stalls makes an attempt fail (503) within the
// command timeout, never hang. Needs GAVEL_TEST_REDIS_URL.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConsoleAuth } from "../../src/console/console-auth.ts";
import { addressBlock, LOGIN_LIMITS, loginCounters } from "../../src/console/login-limits.ts";
import type { LoginCounter, LoginLimit, LoginThrottle } from "../../src/console/login-throttle.ts";
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
let addresses = 0;
const freshAddress = () =>
  `198.51.${Math.floor(++addresses / 250) % 250}.${(addresses % 250) + 1}-${Date.now()}`;

/** One counter alone, with the given limit. */
const counter = (
  key: string,
  limit = LIMIT,
  onSuccess: LoginCounter["onSuccess"] = "clear",
): LoginCounter => ({
  key,
  limit,
  onSuccess,
});

async function attempts(
  throttle: LoginThrottle,
  counters: readonly LoginCounter[],
  count: number,
): Promise<boolean[]> {
  const admitted: boolean[] = [];
  for (let i = 0; i < count; i++)
    admitted.push((await throttle.tryAttempt(counters, Date.now())) === undefined);
  return admitted;
}

for (const implementation of IMPLEMENTATIONS) {
  describe(`[${implementation.name}] login throttle`, () => {
    test("ten attempts in the window, then refused; other counters are not affected", async () => {
      const throttle = await implementation.open();
      const one = [counter(freshEmail())];
      assert.deepEqual(await attempts(throttle, one, 12), [...Array(10).fill(true), false, false]);
      assert.deepEqual(await attempts(throttle, [counter(freshEmail())], 1), [true]);
    });

    test("an attempt counts in all its counters or in none, and says which one refused it", async () => {
      const throttle = await implementation.open();
      const small = counter(freshEmail(), { attempts: 2, windowMs: 60_000 });
      const large = counter(freshEmail(), { attempts: 5, windowMs: 60_000 });
      assert.deepEqual(await attempts(throttle, [small, large], 2), [true, true]);
      for (let i = 0; i < 3; i++)
        assert.equal((await throttle.tryAttempt([small, large], Date.now()))?.key, small.key);
      // The refused attempts did not count in `large`: three more fit there.
      assert.deepEqual(await attempts(throttle, [large], 4), [true, true, true, false]);
    });

    test("a right password clears one counter and takes its attempt back from the others", async () => {
      const throttle = await implementation.open();
      const cleared = counter(freshEmail(), LIMIT, "clear");
      const refunded = counter(freshEmail(), LIMIT, "refund");
      await attempts(throttle, [cleared, refunded], 9);
      await throttle.succeeded([cleared, refunded]);
      assert.deepEqual(await attempts(throttle, [cleared], 11), [...Array(10).fill(true), false]);
      // 9 counted, 1 refunded: 2 fit before the limit.
      assert.deepEqual(await attempts(throttle, [refunded], 3), [true, true, false]);
      // Never below zero: a refund on a counter that holds nothing leaves it at nothing.
      const fresh = counter(freshEmail(), { attempts: 1, windowMs: 60_000 }, "refund");
      await throttle.succeeded([fresh, fresh]);
      assert.deepEqual(await attempts(throttle, [fresh], 2), [true, false]);
    });

    test("parallel guesses get no more than the limit between them (20 rounds)", async () => {
      const throttle = await implementation.open();
      for (let round = 0; round < 20; round++) {
        const counters = loginCounters(freshEmail(), freshAddress());
        const admitted = await Promise.all(
          Array.from({ length: 40 }, () => throttle.tryAttempt(counters, Date.now())),
        );
        assert.equal(admitted.filter((refused) => refused === undefined).length, 10, `round ${round}`);
      }
    });

    test("once the window ends, the counter admits again", async () => {
      const throttle = await implementation.open();
      const short = [counter(freshEmail(), { attempts: 2, windowMs: 300 })];
      assert.deepEqual(await attempts(throttle, short, 3), [true, true, false]);
      await sleep(400);
      assert.deepEqual(await attempts(throttle, short, 1), [true]);
    });

    test("one address cannot try unlimited accounts: refused after the address limit, whatever the email", async () => {
      const throttle = await implementation.open();
      const address = freshAddress();
      const refusals: (string | undefined)[] = [];
      for (let i = 0; i < LOGIN_LIMITS.address.attempts + 5; i++) {
        const counters = loginCounters(freshEmail(), address);
        const refused = await throttle.tryAttempt(counters, Date.now());
        refusals.push(counters.find((c) => c.key === refused?.key)?.scope);
      }
      assert.deepEqual(refusals, [
        ...Array(LOGIN_LIMITS.address.attempts).fill(undefined),
        ...Array(5).fill("address"),
      ]);
    });

    test("a few tries from one address cannot lock a known account out for everyone", async () => {
      const throttle = await implementation.open();
      const email = freshEmail();
      const attacker = loginCounters(email, freshAddress());
      assert.deepEqual(await attempts(throttle, attacker, 12), [...Array(10).fill(true), false, false]);
      // The owner, elsewhere, still gets in, and a right password there forgets the owner's own attempts.
      const owner = loginCounters(email, freshAddress());
      assert.equal(await throttle.tryAttempt(owner, Date.now()), undefined);
      await throttle.succeeded(owner);
    });

    test("an office behind one address, logging in all morning, is never refused", async () => {
      const throttle = await implementation.open();
      const office = freshAddress();
      for (let i = 0; i < LOGIN_LIMITS.address.attempts * 2; i++) {
        const counters = loginCounters(freshEmail(), office);
        assert.equal(await throttle.tryAttempt(counters, Date.now()), undefined, `login ${i}`);
        await throttle.succeeded(counters);
      }
    });
  });
}

test("clients are counted by address: IPv4 as is, IPv4-mapped as IPv4, IPv6 by its /64", () => {
  assert.equal(addressBlock("203.0.113.7"), "203.0.113.7");
  assert.equal(addressBlock("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(addressBlock("2001:db8:0:1:aaaa::1"), "2001:db8:0:1::/64");
  assert.equal(addressBlock("2001:0db8:0000:0001:ffff:ffff:ffff:ffff"), "2001:db8:0:1::/64");
  assert.equal(addressBlock("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressBlock("::1"), "0:0:0:0::/64");
});

describe("[redis] login throttle across instances", () => {
  test("two instances share one count, under a hash of the email with the window as TTL", async () => {
    const [a, b] = [await redisThrottle(), await redisThrottle()];
    const counters = loginCounters(freshEmail(), freshAddress());
    for (let i = 0; i < 5; i++) {
      assert.equal(await a.tryAttempt(counters, Date.now()), undefined);
      assert.equal(await b.tryAttempt(counters, Date.now()), undefined);
    }
    assert.equal((await a.tryAttempt(counters, Date.now()))?.key, counters[0]!.key);
    assert.equal((await b.tryAttempt(counters, Date.now()))?.key, counters[0]!.key);
    const admin = await connectAdminClient();
    try {
      const keys = await admin.keys(`${prefix}:console-login:*`);
      assert.ok(keys.length > 0);
      for (const key of keys)
        assert.ok(!key.includes("@") && !key.includes("198.51"), `nothing in clear: ${key}`);
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
      const counters = loginCounters(freshEmail(), freshAddress());
      assert.equal(await throttle.tryAttempt(counters, Date.now()), undefined);
      for (const fault of ["stall", "cut"] as const) {
        proxy[fault]();
        const started = performance.now();
        await assert.rejects(throttle.tryAttempt(counters, Date.now()), (error: unknown) => {
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
    succeeded: async () => {},
    close: async () => {},
  };
  // The store is never reached: the attempt is refused first.
  const auth = new ConsoleAuth({ store: {} as Store, loginThrottle: down });
  await assert.rejects(auth.login("ops@example.com", "anything", "203.0.113.7"), ServiceUnavailableError);
});
