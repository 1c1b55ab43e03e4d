import { readFileSync } from "node:fs";
import { Value } from "@sinclair/typebox/value";
import { type ConfigFile, ConfigFileSchema } from "../domain/config-schema.ts";

/** Reads and checks a configuration file; a bad file stops the start with the path of the problem. */
export function loadConfigFile(path: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (!Value.Check(ConfigFileSchema, parsed)) {
    const problems = [...Value.Errors(ConfigFileSchema, parsed)].slice(0, 5);
    throw new Error(
      `invalid config file ${path}:\n${problems.map((p) => `  ${p.path || "/"}: ${p.message}`).join("\n")}`,
    );
  }
  return parsed;
}
