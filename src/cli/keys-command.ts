// gavel keys rotate: seals every lead's PII under the current key (GAVEL_PII_KEY), reading older values with the keys
// in GAVEL_PII_OLD_KEYS, in batches while the exchange keeps serving; then forgets the old key ids, so instances start
// without the old keys. Also how PII stored in clear before encryption was turned on gets sealed. Safe to run again:
// a lead already under the current key is skipped, and one blanked meanwhile is left as it is.
import { parseArgs } from "node:util";
import { loadPiiKeyRing, PiiKeyError } from "../compliance/privacy/pii-cipher.ts";
import { chooseStorage } from "../storage-choice.ts";
import { PostgresStore } from "../store/postgres/postgres-store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";
import { loadConfigFile } from "./config-file.ts";
import { KEYS_USAGE } from "./keys-usage.ts";

/** Pause between batches, so the exchange's own writes interleave with the rotation. */
const PAUSE_MS = 20;

export async function runKeysCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: "string" },
      "data-dir": { type: "string", default: process.env.GAVEL_DATA_DIR ?? "./data" },
      batch: { type: "string", default: "500" },
    },
  });
  if (action !== "rotate") throw new Error(`usage: ${KEYS_USAGE}`);
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new Error("--batch is 1 to 10000");
  const piiKeys = loadPiiKeyRing();
  if (!piiKeys.current)
    throw new PiiKeyError("gavel keys rotate needs the new key in GAVEL_PII_KEY (or GAVEL_PII_KEY_FILE)");
  const storage = values.config ? loadConfigFile(values.config).storage : undefined;
  const { databaseUrl, databaseSchema } = chooseStorage({ storage });
  const store: Store = databaseUrl
    ? new PostgresStore({
        connectionString: databaseUrl,
        poolSize: 2,
        ...(databaseSchema ? { schema: databaseSchema } : {}),
        piiKeys,
      })
    : new SqliteStore(values["data-dir"], { piiKeys });
  try {
    await store.migrate();
    const totals = await rotatePiiKeys(store, batch);
    console.log(
      `gavel keys rotate: ${totals.resealed} of ${totals.scanned} leads resealed under key ${piiKeys.current.id}`,
    );
    const retired = await store.retirePiiKeys(piiKeys.current.id);
    console.log(
      retired.length
        ? `gavel keys rotate: key(s) ${retired.join(", ")} no longer needed: remove them from GAVEL_PII_OLD_KEYS`
        : "gavel keys rotate: no older key in use",
    );
  } finally {
    await store.close();
  }
}

/** Walks every lead in id order, resealing in batches; answers how many were read and resealed. */
export async function rotatePiiKeys(
  store: Store,
  batch: number,
): Promise<{ scanned: number; resealed: number }> {
  const totals = { scanned: 0, resealed: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await store.resealPii(after, batch);
    totals.scanned += page.scanned;
    totals.resealed += page.resealed;
    if (page.last === undefined || page.scanned < batch) return totals;
    after = page.last;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}
