// GroupCommit's contract, with a fake statement in place of PostgreSQL: a lone write goes at once; writes that arrive
// while statements are in flight share the next one; a refusal by the server is split so it is one write's alone; a
// lost connection or a timeout fails the whole group and is never split (the pool reports a refused retry as the loss).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { GROUPS_IN_FLIGHT, GroupCommit, MAX_GROUP } from "../../src/store/postgres/group-commit.ts";

/** A statement that resolves when the test says so, recording which writes each one carried. */
function fakeStatements(refuse?: (writes: readonly number[]) => Error | undefined) {
  const sent: number[][] = [];
  const pending: (() => void)[] = [];
  const send = (writes: readonly number[]) =>
    new Promise<string>((resolve, reject) => {
      const number = sent.push([...writes]);
      pending.push(() => {
        const error = refuse?.(writes);
        if (error) reject(error);
        else resolve(`statement ${number}`);
      });
    });
  const finishAll = async () => {
    while (pending.length > 0) {
      for (const finish of pending.splice(0)) finish();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { sent, send, finishAll };
}

function databaseError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError("refused", 0, "error");
  error.code = code;
  return error;
}

describe("GroupCommit", () => {
  it("sends a lone write at once, alone", async () => {
    const statements = fakeStatements();
    const group = new GroupCommit(statements.send);
    const written = group.write(1);
    assert.deepEqual(statements.sent, [[1]]);
    await statements.finishAll();
    assert.equal(await written, "statement 1");
  });

  it("groups the writes that arrive while statements are in flight, at most MAX_GROUP to a statement", async () => {
    const statements = fakeStatements();
    const group = new GroupCommit(statements.send);
    const count = GROUPS_IN_FLIGHT + MAX_GROUP + 3;
    const writes = Array.from({ length: count }, (_, i) => group.write(i));
    // The first GROUPS_IN_FLIGHT go alone at once; the rest wait.
    assert.deepEqual(
      statements.sent,
      Array.from({ length: GROUPS_IN_FLIGHT }, (_, i) => [i]),
    );
    await statements.finishAll();
    const results = await Promise.all(writes);
    const grouped = statements.sent.slice(GROUPS_IN_FLIGHT);
    assert.ok(grouped.every((writes) => writes.length <= MAX_GROUP));
    assert.equal(grouped[0]!.length, MAX_GROUP, "the waiting writes went together");
    assert.deepEqual(
      statements.sent.flat().toSorted((a, b) => a - b),
      Array.from({ length: count }, (_, i) => i),
    );
    // Every write of one statement gets that statement's result.
    for (const [index, writes] of statements.sent.entries()) {
      for (const write of writes) assert.equal(results[write], `statement ${index + 1}`);
    }
  });

  it("sends each write of a refused group again alone: the refusal is its own write's only", async () => {
    const refused = 5;
    const statements = fakeStatements((writes) =>
      writes.includes(refused) ? databaseError("23505") : undefined,
    );
    const group = new GroupCommit(statements.send);
    const writes = Array.from({ length: GROUPS_IN_FLIGHT + 4 }, (_, i) => group.write(i));
    const settled = Promise.allSettled(writes);
    await statements.finishAll();
    const outcomes = await settled;
    for (const [write, outcome] of outcomes.entries()) {
      assert.equal(outcome.status, write === refused ? "rejected" : "fulfilled", `write ${write}`);
    }
    assert.ok(statements.sent.some((writes) => writes.length > 1 && writes.includes(refused)));
    assert.ok(statements.sent.some((writes) => writes.length === 1 && writes[0] === refused));
  });

  for (const [what, error] of [
    ["a lost connection", new Error("connection terminated")],
    ["a statement timeout", databaseError("57014")],
  ] as const) {
    it(`fails every write of a group on ${what}, without sending them again`, async () => {
      const statements = fakeStatements((writes) => (writes.length > 1 ? error : undefined));
      const group = new GroupCommit(statements.send);
      const writes = Array.from({ length: GROUPS_IN_FLIGHT + 3 }, (_, i) => group.write(i));
      const settled = Promise.allSettled(writes);
      await statements.finishAll();
      const outcomes = await settled;
      const groupedWrites = statements.sent.filter((writes) => writes.length > 1).flat();
      assert.deepEqual(groupedWrites, [2, 3, 4]);
      for (const write of groupedWrites) assert.equal(outcomes[write]!.status, "rejected");
      assert.equal(statements.sent.length, GROUPS_IN_FLIGHT + 1, "no write was sent a second time");
    });
  }
});
