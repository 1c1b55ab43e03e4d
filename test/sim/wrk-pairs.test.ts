// The benchmark's ping→post pairs (bench/wrk/post-bodies.lua through src/sim/wrk-load.ts): each wrk connection pings,
// and posts the full lead of a ping that bid, for that ping, a consumer never seen before, with the ping's contact
// hashes of that consumer. Against a seller API that checks every post against its ping, answers out of order and
// sometimes declines; then against the exchange itself, in the bench's own market.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  benchPairBodies,
  buildBenchConfig,
  instantBuyers,
  PAIR_SEPARATOR,
} from "../../src/sim/bench-scenario.ts";
import { findWrk, runWrk, writeBodiesFile } from "../../src/sim/wrk-load.ts";
import { startHarness } from "../helpers/exchange-harness.ts";

const wrk = findWrk();
const skip = wrk === undefined ? "wrk is not installed (apt-get install wrk)" : false;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let workDir: string;
before(() => {
  workDir = mkdtempSync(join(tmpdir(), "gavel-wrk-pairs-"));
});
after(() => rmSync(workDir, { recursive: true, force: true }));

describe("benchPairBodies", () => {
  test("a line is a ping and its post: the same non-PII fields, the consumer and ping id left to fill", () => {
    for (const market of ["rules-5", "simple"] as const) {
      for (const line of benchPairBodies(market, 20)) {
        const [ping, post, ...rest] = line.split(PAIR_SEPARATOR);
        assert.equal(rest.length, 0);
        const pingBody = JSON.parse(ping!);
        const postBody = JSON.parse(post!);
        assert.equal(postBody.ping_id, "@PING_ID@");
        assert.equal(postBody.lead.email, "bench.@N@@example.com");
        assert.equal(postBody.lead.phone, "@PHONE@");
        for (const [field, value] of Object.entries(pingBody.lead)) {
          assert.deepEqual(postBody.lead[field], value, field);
        }
        assert.equal(pingBody.lead.email, undefined);
        assert.deepEqual(
          pingBody.contact_hash,
          market === "simple"
            ? undefined
            : { email_sha256: "@EMAIL_SHA256@", phone_sha256: "@PHONE_SHA256@" },
        );
      }
    }
  });
});

describe("wrk ping→post pairs", () => {
  for (const threads of [1, 3]) {
    test(`every post is for a ping that bid, once, with that ping's lead and the consumer its hashes name (${threads} wrk thread(s), 6 connections)`, {
      skip,
    }, async () => {
      const seller = await startFakeSellerApi("own");
      try {
        const result = await runPairs(seller.url, threads);
        assert.deepEqual(seller.faults, []);
        assert.ok(result.ok > 20, `only ${result.ok} pairs`);
        assert.equal(result.errors, 0);
        assert.ok(
          result.ok <= seller.answeredPosts(),
          `${result.ok} pairs counted, ${seller.answeredPosts()} posts answered`,
        );
        const counts = result.pairs!;
        assert.equal(counts.pingFailures, 0);
        assert.equal(counts.postFailures, 0);
        assert.equal(counts.unmatched, 0);
        assert.ok(counts.noBids > 0, "no ping went without a bid");
        assert.ok(counts.sold > 0 && counts.sold < result.ok, `${counts.sold} of ${result.ok} sold`);
        // A bid ping's post goes out before any new ping: at most one post per connection is cut off by the end.
        const bids = counts.pings - counts.noBids;
        assert.ok(bids - result.ok <= 6, `${bids} bids, ${result.ok} pairs`);
        assert.equal(result.throughput, result.ok / result.measuredS);
        assert.ok(result.latency.p50 > 0 && result.latency.p50 <= result.latency.p99);
      } finally {
        await seller.close();
      }
    });
  }

  test("a seller API that echoes another request's id gets posts of the wrong consumer, and says so", {
    skip,
  }, async () => {
    const seller = await startFakeSellerApi("previous ping's");
    try {
      await runPairs(seller.url, 1);
      // The post carries the previous ping's consumer for this ping: its lead (another template) or its hashes differ.
      assert.ok(seller.faults.length > 0, "every post matched its ping");
      for (const fault of seller.faults) {
        assert.match(
          fault,
          /^(post's lead differs from its ping's|the ping's hashes are not the posted consumer's)/,
        );
      }
    } finally {
      await seller.close();
    }
  });

  test("a seller API that does not echo the id gets no post, and the run says why", { skip }, async () => {
    const seller = await startFakeSellerApi("none");
    try {
      await assert.rejects(runPairs(seller.url, 1), /no answer carried its request's X-Request-Id/);
      assert.equal(seller.answeredPosts(), 0);
    } finally {
      await seller.close();
    }
  });

  test("the exchange sells every pair of the bench's market", { skip }, async () => {
    let sourceKey = "";
    const harness = await startHarness(instantBuyers(3), (farm) => {
      const setup = buildBenchConfig(farm.buyers, "rules-5");
      sourceKey = setup.sourceKey;
      return setup.config;
    });
    try {
      const bodiesFile = writeBodiesFile(workDir, "exchange-pairs", benchPairBodies("rules-5", 20));
      const result = await runWrk(
        wrk!,
        {
          url: harness.gavel.url,
          path: "/v1/ping",
          headers: { authorization: `Bearer ${sourceKey}` },
          bodies: [],
        },
        bodiesFile,
        // A warm-up first: a cold exchange on a loaded machine answers its first pairs in seconds.
        { connections: 3, durationMs: 2000, warmupMs: 1000, pairs: { postPath: "/v1/post" } },
      );
      assert.ok(result.ok > 0, `no pair answered: ${JSON.stringify(result)}`);
      assert.deepEqual(result.pairs, {
        pings: result.pairs!.pings,
        noBids: 0,
        sold: result.ok,
        pingFailures: 0,
        postFailures: 0,
        unmatched: 0,
      });
      assert.equal(result.errors, 0);
    } finally {
      await harness.close();
    }
  });
});

/** One second of pairs against the fake seller API, 6 connections on `threads` wrk threads. */
async function runPairs(url: string, threads: number) {
  const bodiesFile = writeBodiesFile(workDir, `fake-pairs-${threads}`, benchPairBodies("rules-5", 30));
  return runWrk(
    wrk!,
    { url, path: "/v1/ping", headers: { authorization: "Bearer pair-key" }, bodies: [] },
    bodiesFile,
    { connections: 6, durationMs: 1000, warmupMs: 0, pairs: { postPath: "/v1/post", threads } },
  );
}

/**
 * A seller API that checks every post against its ping (one it answered with a bid, posted once, the same non-PII
 * fields, the consumer whose hashes the ping carried, never posted before), answers out of order (after 0–4 ms) and
 * declines every fourth ping. `echo`: the X-Request-Id it answers with, the request's own (the contract), the previous
 * ping's (a broken server), or none.
 */
async function startFakeSellerApi(echo: "own" | "previous ping's" | "none") {
  const pings = new Map<
    string,
    { lead: Record<string, unknown>; hashes: SellerBody["contact_hash"]; bid: boolean }
  >();
  const posted = new Set<string>();
  const emails = new Set<string>();
  const faults: string[] = [];
  let answeredPosts = 0;
  let pingNumber = 0;
  let previousPingRequestId: string | undefined;
  const server = createServer((request, response) => {
    const requestId = request.headers["x-request-id"] as string | undefined;
    let answerId = echo === "own" ? requestId : undefined;
    if (echo === "previous ping's" && request.url === "/v1/ping") {
      answerId = previousPingRequestId ?? requestId;
      previousPingRequestId = requestId;
    }
    const answer = (status: number, body: unknown) =>
      response
        .writeHead(status, {
          "content-type": "application/json",
          ...(answerId !== undefined ? { "x-request-id": answerId } : {}),
        })
        .end(JSON.stringify(body));
    void readJson(request).then((body) => {
      if (request.headers.authorization !== "Bearer pair-key") return answer(401, {});
      if (request.url === "/v1/ping") {
        const id = `ping-${++pingNumber}`;
        const bid = pingNumber % 4 !== 0;
        pings.set(id, { lead: body.lead, hashes: body.contact_hash, bid });
        const reply = bid
          ? {
              ping_id: id,
              status: "bid",
              price: 12.5,
              expires_at: new Date(Date.now() + 60_000).toISOString(),
            }
          : { ping_id: id, status: "no_bid", price: 0, expires_at: null, reason: "no_bids" };
        setTimeout(() => answer(200, reply), pingNumber % 5);
        return;
      }
      const ping = pings.get(body.ping_id);
      const fault = !ping
        ? `post for an unknown ping ${body.ping_id}`
        : !ping.bid
          ? `post for a ping without a bid ${body.ping_id}`
          : posted.has(body.ping_id)
            ? `second post for ${body.ping_id}`
            : Object.entries(ping.lead).find(([field, value]) => body.lead[field] !== value)
              ? `post's lead differs from its ping's (${body.ping_id})`
              : sha256(body.lead.email) !== ping.hashes.email_sha256 ||
                  sha256(body.lead.phone) !== ping.hashes.phone_sha256
                ? `the ping's hashes are not the posted consumer's (${body.lead.email}, ${body.lead.phone})`
                : emails.has(body.lead.email)
                  ? `consumer posted twice: ${body.lead.email}`
                  : !/^[2-9]\d{2}[2-9]\d{6}$/.test(body.lead.phone)
                    ? `not a North American phone: ${body.lead.phone}`
                    : undefined;
      if (fault) {
        faults.push(fault);
        return answer(409, { error: { code: "GAVEL_TEST", message: fault } });
      }
      posted.add(body.ping_id);
      emails.add(body.lead.email);
      answeredPosts++;
      // Every third post is refused by its buyers: unsold, still a durable lead.
      answer(200, {
        lead_id: `lead-${answeredPosts}`,
        status: answeredPosts % 3 ? "sold" : "unsold",
        price: 10,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    answeredPosts: () => answeredPosts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A ping's or a post's body, as far as the fake seller API reads it. */
interface SellerBody {
  ping_id: string;
  lead: Record<string, unknown> & { email: string; phone: string };
  contact_hash: { email_sha256: string; phone_sha256: string };
}

function readJson(request: IncomingMessage): Promise<SellerBody> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => resolve(JSON.parse(text)));
    request.on("error", reject);
  });
}
