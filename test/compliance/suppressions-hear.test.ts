// How an instance takes in another's change to a suppression list: a change that carries its hashes is applied as it
// is, without reading the list; but while a read of that list is running (it may have started before the change was
// written, and would land after it), the list is read once more instead, so the change is never lost.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Suppressions } from "../../src/compliance/suppression/suppressions.ts";
import type { Store, SuppressionEntry, SuppressionHash } from "../../src/store/store.ts";

const email = (text: string): SuppressionHash => ({
  kind: "email",
  sha256: createHash("sha256").update(text).digest("hex"),
});

/** A store whose list reads answer only when the test says, with what the "database" held when each read began. */
function slowStore() {
  const rows: SuppressionEntry[] = [];
  const pending: (() => void)[] = [];
  const reads: (string | undefined)[] = [];
  const store = {
    loadSuppressions(listId?: string): Promise<SuppressionEntry[]> {
      reads.push(listId);
      // What the database held when the read began (its snapshot), answered later.
      const snapshot = rows.filter((row) => listId === undefined || row.list_id === listId);
      return new Promise((resolve) => pending.push(() => resolve(snapshot)));
    },
  } as unknown as Store;
  const answerAll = async () => {
    while (pending.length > 0) {
      pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { store, rows, reads, answerAll };
}

test("a change with its hashes is applied without reading the list", async () => {
  const db = slowStore();
  const opening = Suppressions.open(db.store);
  await db.answerAll();
  const suppressions = await opening;
  await suppressions.hear({ list: "dnc", added: [email("a@x.com")] });
  assert.equal(suppressions.index.has("dnc", email("a@x.com").sha256), true);
  await suppressions.hear({ list: "dnc", removed: [email("a@x.com")] });
  assert.equal(suppressions.index.has("dnc", email("a@x.com").sha256), false);
  assert.deepEqual(db.reads, [undefined], "only the opening read");
});

test("a change heard while that list is being read has it read again after, so the change is not lost", async () => {
  const db = slowStore();
  const opening = Suppressions.open(db.store);
  await db.answerAll();
  const suppressions = await opening;
  // A read of "dnc" starts (say, for a bulk change) before another instance writes a@x.com...
  const reading = suppressions.reload("dnc");
  db.rows.push({ list_id: "dnc", ...email("a@x.com") });
  // ...whose announcement arrives while that read is still out: applying it now would be undone when the read lands.
  const heard = suppressions.hear({ list: "dnc", added: [email("a@x.com")] });
  await db.answerAll();
  await Promise.all([reading, heard]);
  assert.equal(suppressions.index.has("dnc", email("a@x.com").sha256), true);
  assert.deepEqual(db.reads, [undefined, "dnc", "dnc"], "read once more after the running read");
});
