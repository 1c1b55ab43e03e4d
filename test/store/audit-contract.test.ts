// The audit trail over every Store implementation: events written on their own or with a configuration change (in
// one transaction: a change that is not stored leaves no event), listed newest first by id, filtered by kind, actor,
// entity (one, or every one of a kind) and time, and paged by `before`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auditEvent, systemContext } from "../../src/engine/audit-trail.ts";
import { ConfigService } from "../../src/engine/config-service.ts";
import type { AuditEvent } from "../../src/store/audit-events.ts";
import type { Store } from "../../src/store/store.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const T0 = Date.parse("2026-11-20T12:00:00Z");
const admin = { actor: { type: "admin" as const, id: "admin-key" }, address: "203.0.113.9" };
const user = { actor: { type: "user" as const, id: "u-1", role: "operator" }, address: "198.51.100.7" };

for (const impl of STORES) {
  describe(`${impl.name} audit events`, () => {
    let store: Store;
    freshStoreEach(impl, (opened) => {
      store = opened;
    });

    test("written alone or with a configuration change, read back whole, newest first", async () => {
      const first = auditEvent("login.failure", user, "login", [], { note: "GAVEL_UNAUTHORIZED", now: T0 });
      await store.appendAuditEvent(first);
      const vertical = { id: "v-audit", name: "V", fields: [] };
      const put = auditEvent(
        "config.put",
        admin,
        "vertical:v-audit",
        [
          { path: "name", after: "V" },
          { path: "fields", after: [] },
        ],
        { now: T0 + 1 },
      );
      await store.putConfig("vertical", vertical, put);
      const settings = auditEvent(
        "config.put",
        systemContext("gavel"),
        "settings",
        [{ path: "default_tmax_ms", before: 800, after: 900 }],
        { now: T0 + 2 },
      );
      await store.putSettings({ default_tmax_ms: 900 }, settings);
      const removed = auditEvent(
        "config.delete",
        admin,
        "vertical:v-audit",
        [{ path: "name", before: "V" }],
        {
          now: T0 + 3,
        },
      );
      assert.equal(await store.deleteConfig("vertical", "v-audit", removed), true);
      assert.deepEqual(await store.listAuditEvents({ limit: 10 }), [removed, settings, put, first]);
      // Deleting what is not there changes nothing, so it records nothing.
      const nothing = auditEvent("config.delete", admin, "vertical:nope", [], { now: T0 + 4 });
      assert.equal(await store.deleteConfig("vertical", "nope", nothing), false);
      assert.equal((await store.listAuditEvents({ limit: 10 })).length, 4);
    });

    test("what the configuration file changes at a start is recorded as its doing, once", async () => {
      const buyer = { id: "b-file", name: "From the file", status: "active" as const };
      await ConfigService.open(store, { buyers: [buyer], settings: { default_tmax_ms: 700 } });
      const first = await store.listAuditEvents({ actor: "config-file", limit: 10 });
      assert.deepEqual(
        first.map((event) => [event.entity, event.changes]).toSorted(),
        [
          [
            "buyer:b-file",
            [
              { path: "id", after: "b-file" },
              { path: "name", after: "From the file" },
              { path: "status", after: "active" },
            ],
          ],
          ["settings", [{ path: "default_tmax_ms", after: 700 }]],
        ].toSorted(),
      );
      // The same file again changes nothing: nothing more is recorded. A changed one records the change only.
      await ConfigService.open(store, { buyers: [buyer], settings: { default_tmax_ms: 700 } });
      assert.equal((await store.listAuditEvents({ actor: "config-file", limit: 10 })).length, 2);
      await ConfigService.open(store, { buyers: [{ ...buyer, status: "paused" }] });
      const [latest] = await store.listAuditEvents({ actor: "config-file", limit: 1 });
      assert.deepEqual(latest?.changes, [{ path: "status", before: "active", after: "paused" }]);
    });

    test("filters by kind, actor, entity and time; pages by before", async () => {
      const events: AuditEvent[] = [];
      for (let i = 0; i < 7; i++) {
        const event = auditEvent(
          i % 2 ? "config.put" : "deposit.add",
          i % 3 ? admin : user,
          i % 2 ? `campaign:c${i}` : `buyer:b${i}`,
          [{ path: "x", after: i }],
          { now: T0 + i * 1000 },
        );
        events.push(event);
        await store.appendAuditEvent(event);
      }
      const ids = (list: AuditEvent[]) => list.map((event) => event.id);
      const newestFirst = events.toReversed();
      assert.deepEqual(
        ids(await store.listAuditEvents({ kind: "config.put", limit: 50 })),
        ids(newestFirst.filter((event) => event.kind === "config.put")),
      );
      assert.deepEqual(
        ids(await store.listAuditEvents({ actor: "u-1", limit: 50 })),
        ids(newestFirst.filter((event) => event.actor.id === "u-1")),
      );
      assert.deepEqual(
        ids(await store.listAuditEvents({ entity: "campaign", limit: 50 })),
        ids(newestFirst.filter((event) => event.entity.startsWith("campaign:"))),
      );
      assert.deepEqual(ids(await store.listAuditEvents({ entity: "buyer:b2", limit: 50 })), [events[2]!.id]);
      assert.deepEqual(
        ids(await store.listAuditEvents({ since: T0 + 5000, limit: 50 })),
        ids(newestFirst.slice(0, 2)),
      );
      const page1 = await store.listAuditEvents({ limit: 3 });
      const page2 = await store.listAuditEvents({ limit: 3, before: page1.at(-1)!.id });
      assert.deepEqual([...ids(page1), ...ids(page2)], ids(newestFirst.slice(0, 6)));
      // An entity kind is matched as a prefix up to its colon, and no further.
      assert.deepEqual(await store.listAuditEvents({ entity: "campaig", limit: 50 }), []);
    });
  });
}
