// PostgreSQL behaviours the shared contract cannot show: configuration changes across instances, failing fast when the
// server is away, and recovering from lost connections without hanging or crashing (issue 3, "Fault tests").

import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import type { LeadRecord } from "../../src/domain/records.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import {
  migratePostgres,
  PostgresStore,
  type PostgresStoreOptions,
} from "../../src/store/postgres/postgres-store.ts";
import type { SharedChange } from "../../src/store/store.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
  withAdminClient,
} from "./postgres-test-schema.ts";

const schemas: string[] = [];
const stores: PostgresStore[] = [];

describe("postgres-resilience", () => {
  before(() => requireTestDatabase());

  after(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  });

  /** A migrated store on a fresh schema (or `options.schema`), closed after the file. */
  async function openStore(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
    const schema = options.schema ?? newTestSchema();
    if (!schemas.includes(schema)) schemas.push(schema);
    const store = await PostgresStore.connect({ connectionString: TEST_DATABASE_URL, ...options, schema });
    stores.push(store);
    await store.migrate();
    return store;
  }

  /** The test URL with an application_name of its own, so a test can find (and terminate) exactly its connections. */
  function taggedUrl(tag: string): string {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set("application_name", tag);
    return url.toString();
  }

  async function terminateConnections(tag: string): Promise<number> {
    return withAdminClient(async (client) => {
      const { rowCount } = await client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [tag],
      );
      return rowCount ?? 0;
    });
  }

  /** Resolves on the next call of the returned callback; rejects after `ms`. */
  /** A callback, and a promise of its next call; `changes` holds what each call was given. */
  function nextCall(ms: number): {
    callback: (change: SharedChange | undefined) => void;
    called: () => Promise<number>;
    changes: (SharedChange | undefined)[];
  } {
    let calls = 0;
    let wake: (() => void) | undefined;
    const changes: (SharedChange | undefined)[] = [];
    return {
      changes,
      callback: (change) => {
        calls++;
        changes.push(change);
        wake?.();
      },
      called: () => {
        const seen = calls;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`not called within ${ms} ms`)), ms);
          wake = () => {
            if (calls === seen) return;
            clearTimeout(timer);
            wake = undefined;
            resolve(calls);
          };
        });
      },
    };
  }

  async function elapsed<T>(work: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
    const start = performance.now();
    const [result] = await Promise.allSettled([work]);
    return { ms: performance.now() - start, result: result! };
  }

  function lead(id: string): LeadRecord {
    return {
      id,
      auction_id: `auction-${id}`,
      kind: "direct",
      source_id: "src-1",
      vertical: "personal_injury",
      lead: { state: "CA" },
      consent: {},
      test: true,
      status: "unsold",
      price_cents: 0,
      reason: "no_bids",
      created_at: Date.now(),
    };
  }

  describe("configuration changes across instances", () => {
    test("watchConfig hears what another instance announces changed, within a second", async () => {
      const a = await openStore();
      const b = await openStore({ schema: schemas.at(-1)! });
      const heard = nextCall(1000);
      const stop = await a.watchConfig(heard.callback);
      const changes: SharedChange[] = [
        { topic: "config" },
        { topic: "suppressions", list: "buyer:a 'quoted' ü" },
        { topic: "funds" },
      ];
      for (const change of changes) {
        const call = heard.called();
        await b.notifyConfigChanged(change);
        await call;
      }
      assert.deepEqual(heard.changes, changes, "each change as announced, the list named");
      await stop();
    });

    test("an exchange in another schema of the same database is not disturbed", async () => {
      const a = await openStore();
      const other = await openStore();
      const heard = nextCall(300);
      const stop = await a.watchConfig(heard.callback);
      await other.notifyConfigChanged({ topic: "config" });
      await assert.rejects(heard.called(), /not called/);
      await stop();
    });

    test("a dropped LISTEN connection reconnects, catches up once, and keeps listening", async () => {
      const tag = `gavel_watch_${process.pid}`;
      const a = await openStore({ connectionString: taggedUrl(tag) });
      const b = await openStore({ schema: schemas.at(-1)! });
      const heard = nextCall(3000);
      const stop = await a.watchConfig(heard.callback);
      const catchUp = heard.called();
      assert.ok((await terminateConnections(tag)) >= 1);
      await catchUp; // changes made while it was away were not heard: it reloads everything once after reconnecting
      assert.equal(heard.changes.at(-1), undefined, "a catch-up names no change: anything may have changed");
      const next = nextCall(1000);
      const stopNext = await a.watchConfig(next.callback);
      const both = Promise.all([heard.called(), next.called()]);
      await b.notifyConfigChanged({ topic: "config" });
      await both;
      await stop();
      await stopNext();
    });
  });

  describe("an unreachable server", () => {
    test("connect to a closed port rejects quickly, naming the server and the reason", async () => {
      const { ms, result } = await elapsed(
        PostgresStore.connect({ connectionString: "postgres://postgres@127.0.0.1:1/test" }),
      );
      assert.equal(result.status, "rejected");
      assert.match(String(result.reason), /cannot reach PostgreSQL at 127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
      assert.ok(ms < 5000, `took ${ms} ms`);
    });

    test("connect to a server that accepts but never answers gives up after the connection timeout", async () => {
      const sockets = new Set<Socket>();
      const silent: Server = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as { port: number };
      try {
        const { ms, result } = await elapsed(
          PostgresStore.connect({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` }),
        );
        assert.equal(result.status, "rejected");
        assert.match(
          String(result.reason),
          new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/test: .*timeout`),
        );
        assert.ok(ms < 5000, `took ${ms} ms`);
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });
  });

  describe("a connection lost while running", () => {
    test("after pg_terminate_backend, reads and writes carry on over fresh connections, without hanging", async () => {
      const tag = `gavel_pool_${process.pid}`;
      const store = await openStore({ connectionString: taggedUrl(tag), poolSize: 3 });
      /** Fills the pool with connections that are all idle when they are cut. */
      const cutIdleConnections = async () => {
        await Promise.all([store.ping(), store.getLead("none"), store.heldPings(0)]);
        assert.ok((await terminateConnections(tag)) >= 1);
      };

      await cutIdleConnections();
      const read = await elapsed(store.ping());
      assert.equal(read.result.status, "fulfilled", String((read.result as PromiseRejectedResult).reason));
      assert.ok(read.ms < 2000, `took ${read.ms} ms`);

      await cutIdleConnections();
      const write = await elapsed(store.saveLead(lead("l-after-cut"), []));
      assert.equal(write.result.status, "fulfilled", String((write.result as PromiseRejectedResult).reason));
      assert.ok(write.ms < 2000, `took ${write.ms} ms`);
      assert.equal((await store.getLead("l-after-cut"))?.id, "l-after-cut");
    });

    test("while the server is down, reads and writes fail at once with a clear error", async () => {
      const store = new PostgresStore({ connectionString: "postgres://postgres@127.0.0.1:1/test" });
      try {
        const attempts: (() => Promise<unknown>)[] = [
          () => store.getLead("any"),
          () => store.saveLead(lead("l-lost"), []),
          () => store.ping(),
        ];
        for (const attempt of attempts) {
          const { ms, result } = await elapsed(attempt());
          assert.equal(result.status, "rejected");
          assert.match(
            String((result as PromiseRejectedResult).reason),
            /PostgreSQL at 127\.0\.0\.1:1\/test is unavailable: .*ECONNREFUSED/,
          );
          assert.ok(ms < 1000, `took ${ms} ms`);
        }
      } finally {
        await store.close();
      }
    });

    test("a write stuck behind another session's lock fails at the statement timeout instead of hanging", async () => {
      const store = await openStore({ statementTimeoutMs: 300 });
      const schema = schemas.at(-1)!;
      await withAdminClient(async (admin) => {
        // Another session inserts the same lead id and holds its transaction open: our insert must wait on it.
        await admin.query("BEGIN");
        await admin.query(
          `INSERT INTO "${schema}".leads (id, auction_id, kind, source_id, vertical, test, status, price_cents, lead,
           consent, created_at) VALUES ('l-locked', 'a-other', 'direct', 's', 'v', true, 'unsold', 0, '{}', '{}', 0)`,
        );
        const { ms, result } = await elapsed(store.saveLead(lead("l-locked"), []));
        await admin.query("ROLLBACK");
        assert.equal(result.status, "rejected");
        assert.match(String(result.reason), /statement timeout/);
        assert.ok(ms < 2000, `took ${ms} ms`);
      });
      await store.saveLead(lead("l-locked"), []);
      assert.equal((await store.getLead("l-locked"))?.id, "l-locked");
    });
  });

  describe("migrations", () => {
    test("two instances migrating one fresh schema at once both succeed; the schema is migrated once", async () => {
      const schema = newTestSchema();
      schemas.push(schema);
      const applied = await Promise.all([
        migratePostgres(TEST_DATABASE_URL, { schema }),
        migratePostgres(TEST_DATABASE_URL, { schema }),
      ]);
      // One instance applies every migration; the other, having waited on the lock, finds none left.
      assert.deepEqual(
        applied.sort((x, y) => x - y),
        [0, POSTGRES_MIGRATIONS.length],
      );
      assert.equal(await migratePostgres(TEST_DATABASE_URL, { schema }), 0);
      const store = await openStore({ schema });
      await store.ping();
      assert.deepEqual((await store.loadConfig()).sources, []);
    });

    test("migratePostgres names the server when it cannot reach it", async () => {
      await assert.rejects(
        migratePostgres("postgres://postgres@127.0.0.1:1/test"),
        /PostgreSQL at 127\.0\.0\.1:1\/test/,
      );
    });
  });
});
