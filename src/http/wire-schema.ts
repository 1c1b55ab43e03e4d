// A configuration schema reused for an answer. fastify's serializer (fast-json-stringify) writes a property's `default`
// when the value lacks it, and fails the answer (500) when a required property is missing; a property with a default
// may be missing from what is stored (the default is filled in where it is read). So answers use a copy of the schema
// without defaults, in which a property that had one is optional: what is stored goes out as it is.
import type { TSchema } from "@sinclair/typebox";

/** A deep copy of `schema` without any `default`, each property that had one no longer required. */
export function withoutDefaults<T extends TSchema>(schema: T): T {
  return strip(schema) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== "object" || value === null) return value;
  const source = value as Record<string | symbol, unknown>;
  const copy: Record<string | symbol, unknown> = {};
  // TypeBox's own symbol keys are kept along with the JSON Schema keywords.
  for (const key of Reflect.ownKeys(source)) {
    if (key !== "default") copy[key] = strip(source[key]);
  }
  const properties = source.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(source.required) && properties) {
    copy.required = (source.required as string[]).filter((name) => properties[name]?.default === undefined);
  }
  return copy;
}
