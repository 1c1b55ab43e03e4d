// The benchmark's paced (open-loop) wrk runs: wrk measures a request's latency from its send, so each send's lag
// behind the slot it was due in is reported too (bench/wrk/post-bodies.lua), and a run that could not keep to its
// schedule says by how much.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findWrk, runWrk, writeBodiesFile } from "../../src/sim/wrk-load.ts";

const wrk = findWrk();
const skip = wrk === undefined ? "wrk is not installed (apt-get install wrk)" : false;

let workDir: string;
before(() => {
  workDir = mkdtempSync(join(tmpdir(), "gavel-wrk-paced-"));
});
after(() => rmSync(workDir, { recursive: true, force: true }));

test("a paced run that cannot keep its schedule reports how late its sends left", { skip }, async () => {
  // One connection, 100 slots a second, answers after 30 ms: each send leaves ~20 ms later than the one before.
  const server = createServer((request, response) => {
    request.resume().on("end", () => setTimeout(() => response.end("{}"), 30));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const bodiesFile = writeBodiesFile(workDir, "paced", ['{"n":1}', '{"n":2}']);
    const result = await runWrk(wrk!, { url, path: "/", headers: {}, bodies: [] }, bodiesFile, {
      connections: 1,
      durationMs: 1000,
      warmupMs: 0,
      ratePerSecond: 100,
    });
    assert.ok(result.ok > 5 && result.ok < 60, `${result.ok} answers`);
    assert.ok(result.lateSlots > 0);
    const lag = result.sendLag;
    assert.ok(lag, "no send lag reported");
    assert.ok(lag.p50 <= lag.p99 && lag.p99 <= lag.max);
    // The last sends left hundreds of milliseconds after their slots; wrk's own latency (~30 ms) does not show it.
    assert.ok(lag.max > 150, `send lag max ${lag.max} ms`);
    assert.ok(result.latency.p99 < lag.max, `latency p99 ${result.latency.p99} ms, lag max ${lag.max} ms`);
    // The bound on the p99 from the due time takes the lag in.
    assert.ok(
      lag.dueP99Bound >= result.latency.p99 && lag.dueP99Bound >= lag.p99,
      `bound ${lag.dueP99Bound} ms`,
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a closed-loop run reports no send lag (it has no schedule)", { skip }, async () => {
  const server = createServer((request, response) => {
    request.resume().on("end", () => response.end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const bodiesFile = writeBodiesFile(workDir, "closed", ['{"n":1}']);
    const result = await runWrk(wrk!, { url, path: "/", headers: {}, bodies: [] }, bodiesFile, {
      connections: 2,
      durationMs: 1000,
      warmupMs: 0,
    });
    assert.ok(result.ok > 0);
    assert.equal(result.sendLag, undefined);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
