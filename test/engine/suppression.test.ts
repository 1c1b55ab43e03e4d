// Suppression lists end to end: imported from CSV or added by API, only as hashes; a suppressed consumer is never
// posted to the buyer whose list (or the global list) holds them, the trace says which list, and the post falls back to
// the next bid. Runs on both backends.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { withAdminClient } from "../store/postgres-test-schema.ts";

describe(`[${BACKEND}] suppression lists`, () => {
  let h: Harness;
  const lead = personalInjuryLead();

  before(async () => {
    // Alpha bids higher; with a fixed payout beta's bid still covers the quote, so a suppressed alpha falls back to it.
    h = await startHarness([bidder("alpha", 50), bidder("beta", 30)], (farm) => ({
      sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
      buyers: [
        { id: "alpha", name: "alpha", status: "active" },
        { id: "beta", name: "beta", status: "active" },
      ],
      campaigns: [realtimeCampaign(farm, "alpha"), realtimeCampaign(farm, "beta")],
    }));
  });

  after(async () => h?.close());

  beforeEach(async () => {
    // Each test starts with the test consumer on no list.
    const contact = { emails: [lead.full.email], phones: [lead.full.phone] };
    for (const list of ["global", "alpha", "beta"]) {
      assert.equal((await h.admin("DELETE", `/v1/admin/suppressions/${list}`, contact)).status, 200);
    }
  });

  function importCsv(list: string, csv: string) {
    return h.call(`/v1/admin/suppressions/${list}/import`, undefined, {
      key: ADMIN_KEY,
      rawBody: csv,
      contentType: "text/csv",
    });
  }

  /** Posts the test lead directly; returns the answer, the post lines of its trace, and who received a post. */
  async function postLead() {
    await h.farm.clearRequests();
    const reply = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const { body } = await h.admin("GET", `/v1/admin/leads/${reply.body.lead_id}`);
    const traceOf = (phase: string) =>
      new Map<string, { outcome: string; detail?: string }>(
        body.trace
          .filter((o: { phase: string }) => o.phase === phase)
          .map((o: { buyer_id: string; outcome: string; detail?: string }) => [o.buyer_id, o]),
      );
    const requests = await h.farm.requests();
    const posted = requests.filter((r) => r.kind === "post").map((r) => r.buyer);
    const pinged = requests.filter((r) => r.kind === "ping").map((r) => r.buyer);
    return { reply, pingTrace: traceOf("ping"), postTrace: traceOf("post"), posted, pinged };
  }

  test("a buyer's list from CSV: that buyer never receives the lead, the next bid buys", async () => {
    const imported = await importCsv("alpha", "phone\n212-555-0147\nnot a phone\n\n(310) 555-0100\n");
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.deepEqual(imported.body, {
      list: "alpha",
      imported: 2,
      duplicates: 0,
      invalid: 1,
      unreadable: 0,
      problems: [{ line: 3, reason: "not a valid phone" }],
    });
    assert.deepEqual((await h.admin("GET", "/v1/admin/suppressions/alpha")).body, {
      list: "alpha",
      count: 2,
    });

    // A direct post carries the whole lead, so the suppressing buyer is left out before the auction: not even pinged.
    const { reply, pingTrace, postTrace, posted, pinged } = await postLead();
    assert.equal(reply.body.status, "sold");
    assert.deepEqual(posted, ["beta"]);
    assert.deepEqual(pinged, ["beta"]);
    assert.deepEqual(pingTrace.get("alpha"), {
      ...pingTrace.get("alpha"),
      outcome: "suppressed",
      detail: "alpha",
    });
    assert.equal(postTrace.get("beta")?.outcome, "post_accepted");
  });

  test("the global list by email blocks every buyer: unsold, nobody receives a post", async () => {
    const added = await h.admin("POST", "/v1/admin/suppressions/global", {
      emails: ["  JORDAN.Rivera@Example.com "],
    });
    assert.deepEqual(added.body, { list: "global", added: 1, duplicates: 0, invalid: 0 });

    const { reply, pingTrace, posted, pinged } = await postLead();
    assert.equal(reply.body.status, "unsold");
    assert.equal(reply.body.reason, "suppressed");
    assert.deepEqual(posted, []);
    assert.deepEqual(pinged, [], "nobody even sees the ping");
    for (const buyer of ["alpha", "beta"]) {
      assert.equal(pingTrace.get(buyer)?.outcome, "suppressed");
      assert.equal(pingTrace.get(buyer)?.detail, "global");
    }
  });

  test("a CRM export with quoted names (commas inside) suppresses its consumers", async () => {
    const csv = `\uFEFFname,email\r\n"Rivera, Jordan",${lead.full.email}\r\n"Doe, Jane",jane@example.com\r\n`;
    const imported = await importCsv("global", csv);
    assert.deepEqual(imported.body, {
      list: "global",
      imported: 2,
      duplicates: 0,
      invalid: 0,
      unreadable: 0,
      problems: [],
    });
    assert.equal((await postLead()).reply.body.reason, "suppressed");
    await h.admin("DELETE", "/v1/admin/suppressions/global", { emails: ["jane@example.com"] });
  });

  test("hashes sent ready-made suppress as well; removing them restores the buyer", async () => {
    const phoneHash = sha256Hex("2125550147");
    assert.equal(
      (await h.admin("POST", "/v1/admin/suppressions/alpha", { phone_sha256: [phoneHash] })).body.added,
      1,
    );
    assert.deepEqual((await postLead()).posted, ["beta"]);

    const removed = await h.admin("DELETE", "/v1/admin/suppressions/alpha", {
      phones: ["+1 212 555 0147"],
      emails: ["nobody"],
    });
    assert.deepEqual(removed.body, { list: "alpha", removed: 1, not_found: 0, invalid: 1 });
    const { reply, posted } = await postLead();
    assert.equal(reply.body.status, "sold");
    assert.deepEqual(posted, ["alpha"]);
  });

  test("with contact hashes on the ping, a suppressing buyer is not even pinged", async () => {
    const phoneHash = sha256Hex("2125550147");
    await h.admin("POST", "/v1/admin/suppressions/alpha", { phone_sha256: [phoneHash] });
    await h.farm.clearRequests();
    const ping = await h.call("/v1/ping", {
      vertical: "personal_injury",
      lead: lead.ping,
      contact_hash: { phone_sha256: phoneHash },
    });
    assert.equal(ping.body.status, "bid");
    assert.equal(ping.body.price, 20, "beta's bid, alpha was never asked");
    const pinged = (await h.farm.requests()).filter((r) => r.kind === "ping").map((r) => r.buyer);
    assert.deepEqual(pinged, ["beta"]);
    const { body } = await h.admin("GET", `/v1/admin/pings/${ping.body.ping_id}`);
    const alpha = body.trace.find((o: { buyer_id: string }) => o.buyer_id === "alpha");
    assert.deepEqual([alpha.outcome, alpha.detail], ["suppressed", "alpha"]);
  });

  test("only `global` and existing buyers have lists; only admins may touch them", async () => {
    assert.equal((await h.admin("GET", "/v1/admin/suppressions/nobody")).status, 404);
    assert.equal((await importCsv("nobody", "email\na@b.co\n")).status, 404);
    const asSource = await h.call("/v1/admin/suppressions/global", { emails: ["a@b.co"] });
    assert.equal(asSource.status, 401);
    const badBody = await h.admin("POST", "/v1/admin/suppressions/global", { email: ["a@b.co"] });
    assert.equal(badBody.status, 400);
  });

  test("a 100,000-row CSV imports in seconds; importing it again changes nothing", async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) =>
      i % 2 === 0 ? `person${i}@bulk.example.com` : `(415) 5${String(i).padStart(6, "0")}`,
    );
    const csv = `email\n${rows.filter((_, i) => i % 2 === 0).join("\n")}\n`;
    const mixed = `${rows.join("\n")}\n`;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const first = await importCsv("beta", mixed);
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, {
      list: "beta",
      imported: 100_000,
      duplicates: 0,
      invalid: 0,
      unreadable: 0,
      problems: [],
    });
    const took = `${Math.round(elapsedMs)} ms (${Math.round(cpuMs)} ms of this process's CPU)`;
    console.log(`[${BACKEND}] 100,000-row suppression CSV imported in ${took}`);
    // "In seconds" of work: this process's CPU (the CSV's parsing and hashing, and on SQLite the writer thread's
    // inserts). Its wall time took 1.7 s on a quiet machine and 13.7-15.5 s at load ~20 on 2 cores, past a 10 s wall
    // bound, for the same work. That the database's part is one statement, not 100,000, test/store's suppression
    // contract counts on PostgreSQL.
    assert.ok(cpuMs < 10_000, `the import took ${took}`);

    const again = await importCsv("beta", csv);
    assert.deepEqual(again.body, {
      list: "beta",
      imported: 0,
      duplicates: 50_000,
      invalid: 0,
      unreadable: 0,
      problems: [],
    });
    assert.deepEqual((await h.admin("GET", "/v1/admin/suppressions/beta")).body, {
      list: "beta",
      count: 100_000,
    });
    // The big list does not touch a consumer who is not on it.
    assert.equal((await postLead()).reply.body.status, "sold");
  });

  test("the database holds hashes only, never the clear email or phone", async () => {
    const email = "only.a.hash@suppressed.example.org";
    const phone = "3235550188";
    await importCsv("global", `email,phone\n${email},(323) 555-0188\n`);
    const hashes = [sha256Hex(email), sha256Hex(phone)];
    if (BACKEND === "embedded") {
      // Every byte SQLite wrote: the file and its write-ahead log.
      const bytes = ["gavel.db", "gavel.db-wal"]
        .map((file) => {
          try {
            return readFileSync(join(h.dataDir, file)).toString("latin1");
          } catch {
            return "";
          }
        })
        .join("");
      for (const hash of hashes) assert.ok(bytes.includes(hash), "the hash is stored");
      assert.ok(!bytes.includes(email) && !bytes.includes(phone), "a clear value is stored");
      return;
    }
    await withAdminClient(async (client) => {
      const { rows } = await client.query<{ schema: string }>(
        "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'suppressions'",
      );
      let found = false;
      for (const { schema } of rows) {
        const holds = await client.query(`SELECT 1 FROM "${schema}".suppressions WHERE sha256 = $1`, [
          hashes[0],
        ]);
        if (holds.rowCount === 0) continue;
        found = true;
        const tables = await client.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1",
          [schema],
        );
        for (const { name } of tables.rows) {
          const leaked = await client.query(
            `SELECT 1 FROM "${schema}"."${name}" t WHERE t::text LIKE $1 OR t::text LIKE $2 LIMIT 1`,
            [`%${email}%`, `%${phone}%`],
          );
          assert.equal(leaked.rowCount, 0, `${name} holds a clear value`);
        }
      }
      assert.ok(found, "the hash is stored");
    });
  });
});
