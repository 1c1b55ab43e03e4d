// Paths that climb out of the static folders (`..`, encoded or not) under /console/assets/ and /docs/static/ are a
// plain 404, not a 500 with an error in the log. Sent over a raw socket: an HTTP client would normalise the path first.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import { CONSOLE_DIST } from "../../src/http/console-static.ts";

// The console's assets are served only once it is built (npm install builds it).
const CONSOLE_BUILT = existsSync(join(CONSOLE_DIST, "index.html"));

/** Sends one request line as written and returns the status code of the answer. */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on("error", reject);
    socket.setTimeout(10_000, () => reject(new Error(`no answer to GET ${path}`)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  });
}

const TRAVERSALS = [
  "/..",
  "/../package.json",
  "/../../package.json",
  "/%2e%2e/package.json",
  "/%2E%2E/%2E%2E/package.json",
  "/..%2fpackage.json",
  "/%2e%2e%2f%2e%2e%2fpackage.json",
  "/..%5c..%5cpackage.json",
  "/foo/../../index.html",
  "/%2e%2e",
  "/.%2e/.%2e/package.json",
  "/%252e%252e/package.json",
];

describe("static files: no way out of their folders", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-static-"));
  const logged: { level: number; msg: string }[] = [];
  let gavel: RunningGavel;

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
        done();
      },
    });
    gavel = await startGavel({
      dataDir,
      port: 0,
      adminKey: "static-admin-key",
      log: pino({ level: "info" }, sink),
    });
  });
  after(async () => {
    await gavel.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const prefix of ["/console/assets", "/docs/static"]) {
    const skip = prefix.startsWith("/console") && !CONSOLE_BUILT && "the console is not built";
    test(`${prefix}: every climbing path answers 404, nothing logged as an error`, { skip }, async () => {
      const answers: string[] = [];
      for (const path of TRAVERSALS) answers.push(`${path} ${await rawGet(gavel.url, prefix + path)}`);
      assert.deepEqual(
        answers,
        TRAVERSALS.map((path) => `${path} 404`),
      );
      const errors = logged.filter((line) => line.level >= 50);
      assert.deepEqual(errors, []);
    });
  }

  test("the files themselves are still served", async () => {
    assert.equal(await rawGet(gavel.url, "/docs/static/index.css"), 200);
    if (CONSOLE_BUILT) assert.equal(await rawGet(gavel.url, "/console/"), 200);
  });
});
