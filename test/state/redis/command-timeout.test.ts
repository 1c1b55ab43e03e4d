// A Redis command's timeout (src/state/redis/redis-connection.ts, RequestPathRedis): a reply that is already waiting
// in the socket when the exchange's event loop comes back from a busy stretch is taken, not failed as timed out (with
// ioredis's own timer, Node ran the expired timer before reading the socket, and a cap reserve answered in a
// millisecond failed its lead under load); a command Redis really does not answer still fails after the timeout.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { privateRedisConnection } from "./private-connection.ts";

const TIMEOUT_MS = 300;

/** Keeps this thread busy, as a loaded process is, without letting the event loop turn. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe("Redis command timeout", () => {
  const server = privateRedisConnection("command-timeout", TIMEOUT_MS);

  test("a reply that arrived while the event loop was busy past the timeout is taken", async () => {
    for (let round = 0; round < 5; round++) {
      const reply = server.connection.client.ping();
      // The command leaves at the end of this turn; Redis answers within a millisecond, while this thread is busy.
      await new Promise((resolve) => setImmediate(resolve));
      busyFor(TIMEOUT_MS + 200);
      assert.equal(await reply, "PONG", `round ${round}`);
    }
  });

  test("a command Redis does not answer fails as timed out, soon after the timeout", async () => {
    await server.admin.call("CLIENT", "PAUSE", String(TIMEOUT_MS * 3), "ALL");
    const started = performance.now();
    await assert.rejects(server.connection.client.get("paused"), /Command timed out/);
    const waited = performance.now() - started;
    assert.ok(waited >= TIMEOUT_MS - 5 && waited < TIMEOUT_MS + 250, `failed after ${Math.round(waited)} ms`);
    // The pause ends by itself (a paused server would queue an UNPAUSE too); then the connection answers again.
    await new Promise((resolve) => setTimeout(resolve, started + TIMEOUT_MS * 3 + 100 - performance.now()));
    assert.equal(await server.connection.client.ping(), "PONG");
  });
});
