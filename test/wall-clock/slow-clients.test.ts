// Slow and stalled clients against a real `gavel serve` process: a client that sends its headers (or half its body)
// and stops is answered and closed within the request timeout, and SIGTERM ends the process within the shutdown grace
// period even while such a client holds a connection open.
// Real time: Node's HTTP server checks request and header timeouts on its own timers in a `gavel serve` child, and
// SIGTERM's grace runs there too: no clock of this process reaches them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type GavelProcess, startGavelProcess } from "../helpers/gavel-process.ts";

const ADMIN_KEY = "slow-clients-admin-key";
/** Generous bounds, so a loaded machine cannot fail these tests; the old code never closed at all. */
const CLOSE_BOUND_MS = 20_000;

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function startWith(config: Record<string, unknown>): Promise<GavelProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-slow-"));
  folders.push(dataDir);
  const configPath = join(dataDir, "gavel.config.json");
  writeFileSync(configPath, JSON.stringify(config));
  return startGavelProcess({ configPath, dataDir, adminKey: ADMIN_KEY });
}

/** A raw connection that has sent `bytes` and then nothing more; resolves what it received once the server closes. */
function stalledClient(url: string, bytes: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  const opened = performance.now();
  const closed = new Promise<{ received: string; afterMs: number }>((resolve, reject) => {
    socket.on("close", () => resolve({ received, afterMs: performance.now() - opened }));
    socket.on("error", () => {}); // a reset is a close too
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the stalled connection open for ${CLOSE_BOUND_MS} ms`));
    }, CLOSE_BOUND_MS).unref();
  });
  const ready = new Promise<void>((resolve) =>
    socket.once("connect", () => socket.write(bytes, () => resolve())),
  );
  return { ready, closed };
}

/** An admin request (authenticated, so fastify is reading its body when the client stalls). */
const HALF_A_BODY =
  "POST /v1/admin/suppressions/global HTTP/1.1\r\nHost: gavel\r\nContent-Type: application/json\r\n" +
  `Content-Length: 200\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n\r\n{"emails": ["jane@exa`;
const HALF_THE_HEADERS = "POST /v1/ping HTTP/1.1\r\nHost: gavel\r\nContent-Type: applic";

describe("slow clients", () => {
  test("half a body, or half the headers, then silence: answered 408 and closed within the timeouts", async () => {
    const gavel = await startWith({ http: { request_timeout_ms: 2000, headers_timeout_ms: 1000 } });
    try {
      const body = stalledClient(gavel.url, HALF_A_BODY);
      const headers = stalledClient(gavel.url, HALF_THE_HEADERS);
      await Promise.all([body.ready, headers.ready]);
      const [bodyClosed, headersClosed] = await Promise.all([body.closed, headers.closed]);
      assert.match(bodyClosed.received, /^HTTP\/1\.1 408 /);
      assert.match(headersClosed.received, /^HTTP\/1\.1 408 /);
      // Not before its timeout: the connection was given its time.
      assert.ok(bodyClosed.afterMs >= 1900, `closed after ${Math.round(bodyClosed.afterMs)} ms`);
      // And the server still answers others.
      assert.equal((await fetch(`${gavel.url}/healthz`)).status, 200);
    } finally {
      await gavel.stop();
    }
  });

  test("SIGTERM with a client stalled mid-body: the process exits within the grace period", async () => {
    // Default timeouts (60 s: far longer than this test) and the default grace, post deadline + 5 s = 6 s.
    const gavel = await startWith({ settings: { post_deadline_ms: 1000 } });
    const client = stalledClient(gavel.url, HALF_A_BODY);
    await client.ready;
    // Let the server start reading the body before the signal.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = performance.now();
    // stop() sends SIGKILL after 10 s: an exit by SIGTERM's own path has code 0 and no signal.
    const exit = await gavel.stop("SIGTERM");
    const tookMs = performance.now() - signalled;
    assert.deepEqual(exit, { code: 0, signal: null }, gavel.output());
    assert.ok(tookMs < 10_000, `shutdown took ${Math.round(tookMs)} ms`);
    assert.match(gavel.output(), /at most 6000 ms/);
    await client.closed;
  });
});
