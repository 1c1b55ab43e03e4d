// Concurrent configuration writes, over many rounds, on both backends (issue 10, item 1): every write that answered
// 2xx must be in the live configuration of every instance. Three operators pausing three campaigns at once, three
// buyers pausing their own campaigns at once through the buyer API, twenty campaigns created (and then deleted) at
// once. Embedded: one exchange. Distributed: two exchanges on one PostgreSQL schema and Redis prefix, the writes
// spread over both; the instance that answered a write must have it live at once, the other within a few seconds.
//
// "Live" is read three ways: what the running engine pings with (`exchange.config`, the snapshot an auction uses),
// what `GET /v1/admin/config` answers (the configuration service's snapshot), and, for the operators' pauses, what a
// real ping's decision trace says of each campaign.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import type { Campaign, ConfigFile } from "../../src/domain/config-schema.ts";
import { eventually } from "../helpers/eventually.ts";
import { personalInjuryLead, SOURCE_KEY, testSource } from "../helpers/exchange-harness.ts";
import { type BackendName, openTestStorage, type TestStorage } from "../helpers/test-backend.ts";

const ROUNDS = 20;
const ADMIN_KEY = "faults-admin-key";
const BUYERS = ["b1", "b2", "b3"] as const;
const buyerKey = (buyer: string) => `faults-buyer-key-${buyer}`;
/** Created (and deleted) at once in each round. */
const CREATES = 20;
/** How long another instance may take to hear a change (LISTEN/NOTIFY, then a reload). */
const PROPAGATION_MS = 5_000;

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any;
}

interface Instance {
  name: string;
  gavel: RunningGavel;
  call(method: string, path: string, key: string, body?: unknown): Promise<Reply>;
}

function campaign(id: string, buyerId: string, status: Campaign["status"] = "active"): Campaign {
  return {
    id,
    buyer_id: buyerId,
    vertical: "personal_injury",
    name: `Campaign ${id}`,
    status,
    filters: [],
    pricing: { type: "fixed", price: 10 },
    // Never called: no lead is sold in these tests.
    post: { url: "http://127.0.0.1:9/post", timeout_ms: 1000 },
  };
}

const CONFIG: ConfigFile = {
  sources: [testSource()],
  buyers: BUYERS.map((id) => ({
    id,
    name: `Buyer ${id}`,
    status: "active",
    api_key_sha256: sha256Hex(buyerKey(id)),
  })),
  // One per buyer for the operator's edits, one for the buyer's own pauses: each test starts from active campaigns
  // even when another failed halfway.
  campaigns: BUYERS.flatMap((id) => [campaign(`${id}-main`, id), campaign(`${id}-own`, id)]),
};

async function startInstance(name: string, storage: TestStorage, dataDir: string): Promise<Instance> {
  const gavel = await startGavel({
    config: storage.storage ? { ...CONFIG, storage: storage.storage } : CONFIG,
    dataDir,
    port: 0,
    adminKey: ADMIN_KEY,
    logLevel: "silent",
  });
  return {
    name,
    gavel,
    async call(method, path, key, body) {
      const response = await fetch(gavel.url + path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** Campaign id → status, as the engine and as the admin API of one instance see it. */
async function liveStatuses(
  instance: Instance,
): Promise<{ engine: Map<string, string>; api: Map<string, string> }> {
  const exported = await instance.call("GET", "/v1/admin/config", ADMIN_KEY);
  assert.equal(exported.status, 200, JSON.stringify(exported.body));
  return {
    engine: new Map(instance.gavel.exchange.config.campaigns.map((c) => [c.id, c.status])),
    api: new Map((exported.body.campaigns as Campaign[]).map((c) => [c.id, c.status])),
  };
}

/** What one instance's auction did with each campaign on a fresh ping (campaign id → outcome at the ping). */
async function pingOutcomes(instance: Instance): Promise<Map<string, string>> {
  const ping = await instance.call("POST", "/v1/ping", SOURCE_KEY, {
    vertical: "personal_injury",
    lead: personalInjuryLead().ping,
  });
  assert.equal(ping.status, 200, JSON.stringify(ping.body));
  const auction = await instance.call("GET", `/v1/admin/pings/${ping.body.ping_id}`, ADMIN_KEY);
  assert.equal(auction.status, 200, JSON.stringify(auction.body));
  const trace = auction.body.trace as { phase: string; campaign_id: string; outcome: string }[];
  return new Map(
    trace.filter((line) => line.phase === "ping").map((line) => [line.campaign_id, line.outcome]),
  );
}

/** The name the engine of one instance has for campaign b1-main. */
function liveName(instance: Instance): string | undefined {
  return instance.gavel.exchange.config.campaignById.get("b1-main")?.name;
}

/** What is missing or different from `expected` (id → status, or "absent") in one instance's live configuration. */
async function differences(instance: Instance, expected: ReadonlyMap<string, string>): Promise<string[]> {
  const live = await liveStatuses(instance);
  const found: string[] = [];
  for (const [view, statuses] of Object.entries(live)) {
    for (const [id, status] of expected) {
      const actual = statuses.get(id) ?? "absent";
      if (actual !== status) found.push(`${instance.name} ${view}: ${id} is ${actual}, not ${status}`);
    }
  }
  return found;
}

/**
 * Runs the writes at once (write i through instance i mod n), asserts each answered 2xx, that each writing instance
 * has its own writes live the moment they are answered, and that every instance has all of them within a few seconds.
 */
async function writeAtOnce(
  instances: readonly Instance[],
  writes: readonly { id: string; expect: string; send: (on: Instance) => Promise<Reply> }[],
  round: number,
): Promise<void> {
  const answered = await Promise.all(
    writes.map(async (write, index) => {
      const on = instances[index % instances.length]!;
      const reply = await write.send(on);
      assert.ok(
        reply.status >= 200 && reply.status < 300,
        `round ${round}: ${write.id} answered ${reply.status}`,
      );
      return { on, write };
    }),
  );
  for (const instance of instances) {
    const own = new Map(
      answered.filter(({ on }) => on === instance).map(({ write }) => [write.id, write.expect]),
    );
    assert.deepEqual(
      await differences(instance, own),
      [],
      `round ${round}: its own answered writes are live`,
    );
  }
  const expected = new Map(writes.map((write) => [write.id, write.expect]));
  for (const instance of instances) {
    let last: string[] = [];
    await eventually(
      async () => {
        last = await differences(instance, expected);
        return last.length === 0 ? true : undefined;
      },
      `round ${round}: every answered write live on ${instance.name}`,
      PROPAGATION_MS,
    ).catch((error: Error) => assert.fail(`${error.message}:\n${last.join("\n")}`));
  }
}

for (const backend of ["embedded", "distributed"] as const satisfies readonly BackendName[]) {
  describe(`[${backend}] concurrent configuration writes are all live (${ROUNDS} rounds each)`, () => {
    let storage: TestStorage;
    let dataDir: string;
    const instances: Instance[] = [];

    before(async () => {
      storage = await openTestStorage(backend);
      dataDir = mkdtempSync(join(tmpdir(), "gavel-concurrent-writes-"));
      // One after the other: the second finds the schema migrated.
      instances.push(await startInstance("A", storage, join(dataDir, "a")));
      if (backend === "distributed") instances.push(await startInstance("B", storage, join(dataDir, "b")));
    });

    after(async () => {
      for (const instance of instances) await instance.gavel.close();
      await storage?.dispose();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    test("three operators pause three campaigns at once, then resume them at once", async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const status of ["paused", "active"] as const) {
          await writeAtOnce(
            instances,
            BUYERS.map((buyer) => ({
              id: `${buyer}-main`,
              expect: status,
              send: (on) =>
                on.call(
                  "PUT",
                  `/v1/admin/campaigns/${buyer}-main`,
                  ADMIN_KEY,
                  campaign(`${buyer}-main`, buyer, status),
                ),
            })),
            round,
          );
          // And the auction acts on it: a paused campaign is left out of a ping (inactive), an active one is not.
          for (const instance of instances) {
            const outcomes = await pingOutcomes(instance);
            for (const buyer of BUYERS) {
              const outcome = outcomes.get(`${buyer}-main`);
              assert.ok(
                status === "paused" ? outcome === "inactive" : outcome !== "inactive",
                `round ${round}: ${instance.name} pinged with ${buyer}-main ${status}: ${outcome}`,
              );
            }
          }
        }
      }
    });

    test("three buyers pause their own campaigns at once through the buyer API, then resume them", async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [action, status] of [
          ["pause", "paused"],
          ["resume", "active"],
        ] as const) {
          await writeAtOnce(
            instances,
            BUYERS.map((buyer) => ({
              id: `${buyer}-own`,
              expect: status,
              send: (on) => on.call("POST", `/v1/buyer/campaigns/${buyer}-own/${action}`, buyerKey(buyer)),
            })),
            round,
          );
        }
      }
    });

    test("quick successive edits of one campaign, alternating instances, end in the last one everywhere", async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        let last = "";
        for (let edit = 1; edit <= 5; edit++) {
          const on = instances[edit % instances.length]!;
          last = `b1 round ${round} edit ${edit}`;
          const reply = await on.call("PUT", "/v1/admin/campaigns/b1-main", ADMIN_KEY, {
            ...campaign("b1-main", "b1"),
            name: last,
          });
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          assert.equal(liveName(on), last, `round ${round}: ${on.name} has the edit it answered`);
        }
        for (const instance of instances) {
          await eventually(
            () => (liveName(instance) === last ? true : undefined),
            `round ${round}: ${instance.name} ends with "${last}", not "${liveName(instance)}"`,
            PROPAGATION_MS,
          );
        }
      }
    });

    test(`${CREATES} campaigns created at once, then deleted at once`, async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const ids = Array.from({ length: CREATES }, (_, index) => `r${round}-c${index}`);
        const buyerOf = (index: number) => BUYERS[index % BUYERS.length]!;
        await writeAtOnce(
          instances,
          ids.map((id, index) => ({
            id,
            expect: "active",
            send: (on) =>
              on.call("PUT", `/v1/admin/campaigns/${id}`, ADMIN_KEY, campaign(id, buyerOf(index))),
          })),
          round,
        );
        await writeAtOnce(
          instances,
          ids.map((id) => ({
            id,
            expect: "absent",
            send: (on) => on.call("DELETE", `/v1/admin/campaigns/${id}`, ADMIN_KEY),
          })),
          round,
        );
      }
    });
  });
}
