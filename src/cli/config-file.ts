import { readFileSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { NewUser } from "../console/console-auth.ts";
import { type ConfigFile, ConfigFileSchema } from "../domain/config-schema.ts";
import { hasMaskedUrlSecret, MASK_PREFIX, maskedPaths } from "../domain/config-secrets.ts";

/**
 * Console users in the config file: password hashes only (make one with `gavel user add`, or hashPassword in
 * src/console/passwords.ts). Read apart from the exchange's configuration: they live in the store, not the snapshot.
 */
const UsersSchema = Type.Array(
  Type.Object(
    {
      email: Type.String({ minLength: 3, maxLength: 320 }),
      role: Type.Union([Type.Literal("operator"), Type.Literal("buyer"), Type.Literal("source")]),
      party_id: Type.Optional(Type.String({ minLength: 1 })),
      password_hash: Type.String({
        pattern: "^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$",
      }),
    },
    { additionalProperties: false },
  ),
);

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`);
  }
}

/** The console users a configuration file lists (its `users`), checked. */
export function loadConsoleUsers(path: string): NewUser[] {
  const users = readJson(path).users ?? [];
  if (!Value.Check(UsersSchema, users)) {
    const [problem] = [...Value.Errors(UsersSchema, users)];
    throw new Error(`invalid config file ${path}: /users${problem?.path ?? ""}: ${problem?.message}`);
  }
  return users as Static<typeof UsersSchema>;
}

/** Reads and checks a configuration file; a bad file stops the start with the path of the problem. */
export function loadConfigFile(path: string): ConfigFile {
  const { users: _users, ...parsed } = readJson(path);
  if (!Value.Check(ConfigFileSchema, parsed)) {
    const problems = [...Value.Errors(ConfigFileSchema, parsed)].slice(0, 5);
    throw new Error(
      `invalid config file ${path}:\n${problems.map((p) => `  ${p.path || "/"}: ${p.message}`).join("\n")}`,
    );
  }
  // An export of the admin API masks secrets: started from one as it is, the masks would replace the real secrets.
  for (const [index, campaign] of (parsed.campaigns ?? []).entries()) {
    const [masked] = maskedPaths(campaign);
    if (masked) {
      throw new Error(
        `invalid config file ${path}: /campaigns/${index}/${masked.join("/")} is a masked secret (${MASK_PREFIX}…), as ` +
          "GET /v1/admin/config shows it: put the secret itself in the file",
      );
    }
  }
  for (const [index, source] of (parsed.sources ?? []).entries()) {
    const postbacks = source.postback === undefined ? [] : [source.postback].flat();
    if (postbacks.some((postback) => hasMaskedUrlSecret(postback.url))) {
      throw new Error(
        `invalid config file ${path}: /sources/${index}/postback holds a masked credential (${MASK_PREFIX}…) in its URL, ` +
          "as GET /v1/admin/config shows it: put the credential itself in the file",
      );
    }
  }
  return parsed;
}
