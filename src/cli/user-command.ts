// gavel user add | list: console users, written straight to the store (the first operator comes from here, or from
// the config file's `users`). The password is read from stdin, never from the command line (where `ps` and shell
// history would keep it).
import { parseArgs } from "node:util";
import { loadPiiKeyRing } from "../compliance/privacy/pii-cipher.ts";
import { ConsoleAuth } from "../console/console-auth.ts";
import { auditEvent, configDiff, systemContext } from "../engine/audit-trail.ts";
import { chooseStorage } from "../storage-choice.ts";
import { PostgresStore } from "../store/postgres/postgres-store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { CONSOLE_ROLES, type ConsoleRole, type Store } from "../store/store.ts";
import { loadConfigFile } from "./config-file.ts";

export const USER_USAGE = `gavel user add --email <email> --role operator|buyer|source [--party-id <buyer or source id>]
                 --password-stdin [--config gavel.config.json] [--data-dir ./data]
  gavel user list [--config gavel.config.json] [--data-dir ./data]`;

export async function runUserCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      "party-id": { type: "string" },
      "password-stdin": { type: "boolean", default: false },
      config: { type: "string" },
      "data-dir": { type: "string", default: process.env.GAVEL_DATA_DIR ?? "./data" },
    },
  });
  if (action !== "add" && action !== "list") throw new Error(`usage: ${USER_USAGE}`);
  const store = await openStore(values.config, values["data-dir"]);
  try {
    await store.migrate();
    if (action === "list") {
      for (const user of await store.listUsers()) {
        console.log([user.email, user.role, user.party_id ?? "-"].join("\t"));
      }
      return;
    }
    const role = values.role as ConsoleRole;
    if (!values.email || !CONSOLE_ROLES.includes(role) || !values["password-stdin"]) {
      throw new Error(`usage: ${USER_USAGE}`);
    }
    const password = (await readStdin()).replace(/\r?\n$/, "");
    if (password.length < 8) throw new Error("the password (from stdin) must be at least 8 characters");
    const previous = await store.getUserByEmail(values.email.trim().toLowerCase());
    const user = await new ConsoleAuth({ store }).putUser({
      email: values.email,
      role,
      ...(values["party-id"] ? { party_id: values["party-id"] } : {}),
      password,
    });
    // The audit trail names the command line as the actor: whoever ran it had the machine, not a console login.
    const fields = (shown: { email: string; role: string; party_id?: string | undefined } | undefined) =>
      shown && {
        email: shown.email,
        role: shown.role,
        ...(shown.party_id ? { party_id: shown.party_id } : {}),
      };
    const changes = configDiff("user", fields(previous), fields(user));
    if (previous) changes.push({ path: "password", before: "(set)", after: "(set again)" });
    await store.appendAuditEvent(auditEvent("user.put", systemContext("cli"), `user:${user.id}`, changes));
    console.log(
      `gavel user: ${user.email} (${user.role}${user.party_id ? ` of ${user.party_id}` : ""}) saved`,
    );
  } finally {
    await store.close();
  }
}

/** The store `gavel serve` would use: PostgreSQL when DATABASE_URL (or the config's storage) says so, else SQLite. */
async function openStore(configPath: string | undefined, dataDir: string): Promise<Store> {
  const storage = configPath ? loadConfigFile(configPath).storage : undefined;
  const { databaseUrl, databaseSchema } = chooseStorage({ storage });
  if (databaseUrl) {
    return new PostgresStore({
      connectionString: databaseUrl,
      poolSize: 1,
      ...(databaseSchema ? { schema: databaseSchema } : {}),
      piiKeys: loadPiiKeyRing(),
    });
  }
  return new SqliteStore(dataDir, { piiKeys: loadPiiKeyRing() });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
