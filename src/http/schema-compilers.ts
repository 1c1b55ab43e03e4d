// fastify's default schema compilers, with what they compile kept for the whole process. An instance compiles every
// route's schemas when it starts (an ajv validator per request part, a fast-json-stringify serializer per response
// status): about two thirds of an exchange's start. A process that starts several exchanges (the test shards,
// `gavel simulate`) paid that again for each, though the route schemas are the same module-level objects every time;
// and fast-json-stringify compiled a schema shared by many routes (an error answer) once per route.
//
// A compiled function depends on the schema, the shared schemas its `$ref`s can reach (added with addSchema) and the
// compiler's options (ajv's `customOptions`; fast-json-stringify's `serializerOpts`): the cache is keyed by the schema
// object's identity (a WeakMap: a schema built for one instance goes with it) and a JSON key of those two. The route's
// method, url, part and status are not in the key: the default compilers are given them and do not read them (ajv
// itself hands one instance the same validator for the same schema object on two routes). Compiled as fastify would,
// never shared: ajv `plugins` or `onCreate` (functions that change the ajv instance: no key can say two are the same),
// JTD mode and standalone code, options holding functions, and schemas with their own `$id` (both compilers treat those
// apart). A compiled validator or serializer keeps no state between calls beyond ajv's `errors`, which fastify reads
// right after the call it belongs to, as it does when two routes of one instance share a validator. A schema changed in
// place after a route used it would keep its old compiled function: none is (every cached schema's JSON compared before
// and after four exchanges started and answered, 2026-12-06).
import AjvCompiler from "@fastify/ajv-compiler";
import SerializerSelector from "@fastify/fast-json-stringify-compiler";
import type { FastifySchemaCompiler, FastifySerializerCompiler, FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
type ValidatorCompiler = FastifySchemaCompiler<unknown>;
type SerializerCompiler = FastifySerializerCompiler<unknown>;
type RouteSchema = Parameters<ValidatorCompiler>[0];
type Validator = ReturnType<ValidatorCompiler>;
type Serializer = ReturnType<SerializerCompiler>;
/** The part of fastify's `ajv` server option that decides what ajv compiles. */
interface AjvServerOptions {
  customOptions?: { code?: unknown };
  plugins?: unknown[];
  onCreate?: unknown;
  mode?: unknown;
}

/** How many schemas were compiled and how many were answered from the cache, since the process started. */
export const schemaCompilerCounts = {
  validatorsCompiled: 0,
  validatorsReused: 0,
  serializersCompiled: 0,
  serializersReused: 0,
};

const validators = new WeakMap<object, Map<string, Validator>>();
const serializers = new WeakMap<object, Map<string, Serializer>>();

function buildValidator(
  externalSchemas: unknown,
  ajvOptions: AjvServerOptions | undefined,
): ValidatorCompiler {
  // The ajv instance (ajv-formats and the shared schemas added to it) is built on the first schema not in the cache.
  let compileHere: ValidatorCompiler | undefined;
  const compile: ValidatorCompiler = (route) => {
    compileHere ??= AjvCompiler()(externalSchemas as never, ajvOptions as never) as ValidatorCompiler;
    schemaCompilerCounts.validatorsCompiled++;
    return compileHere(route);
  };
  const sharable =
    (ajvOptions?.plugins?.length ?? 0) === 0 &&
    ajvOptions?.onCreate === undefined &&
    ajvOptions?.mode === undefined &&
    ajvOptions?.customOptions?.code === undefined;
  const key = sharable ? jsonKey([externalSchemas, ajvOptions?.customOptions]) : undefined;
  return (route) => {
    // fastify lowercases a headers schema's names for its own compiler, not for one given to it (this one).
    if (route.httpPart === "headers") {
      throw new Error(
        `${route.method} ${route.url}: a headers schema would be validated case-sensitively by the cached compiler (src/http/schema-compilers.ts)`,
      );
    }
    return cached(validators, key, route, compile, "validatorsReused");
  };
}

function buildSerializer(
  externalSchemas: unknown,
  serializerOpts: { mode?: unknown } | undefined,
): SerializerCompiler {
  let compileHere: SerializerCompiler | undefined;
  const compile: SerializerCompiler = (route) => {
    compileHere ??= SerializerSelector()(externalSchemas, serializerOpts as never) as SerializerCompiler;
    schemaCompilerCounts.serializersCompiled++;
    return compileHere({ ...route, schema: withoutBranchChecks(route.schema) as RouteSchema["schema"] });
  };
  const key = serializerOpts?.mode === undefined ? jsonKey([externalSchemas, serializerOpts]) : undefined;
  return (route) => cached(serializers, key, route, compile, "serializersReused");
}

/**
 * A response schema as fast-json-stringify is given it. To write an `anyOf`, fast-json-stringify runs ajv on the value
 * at every reply, branch after branch, to find the one it matches; yet a branch's JSON is often the value's own,
 * whichever matched. Two such checks go: an `anyOf` of string constants (a TypeBox union of literals, such as a
 * ping's `"bid" | "no_bid"`) is written as a string, and a string branch's `format` is not checked (a date-time's
 * check is a regular expression and a calendar; fast-json-stringify writes a string as itself whatever its format).
 * A value that fits the schema is written byte for byte as before; one that does not (a bug) is written instead of
 * failing with a 500. The route's schema itself (OpenAPI, request validation) is not changed: this is a copy.
 */
export function withoutBranchChecks(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutBranchChecks);
  if (typeof schema !== "object" || schema === null) return schema;
  const node = schema as Record<string, unknown>;
  // A copy keeps the schema's symbol keys (TypeBox's Kind), which neither compiler reads.
  const copy: Record<string, unknown> = { ...node };
  for (const [key, value] of Object.entries(node)) copy[key] = withoutBranchChecks(value);
  const branches = node.anyOf;
  if (Array.isArray(branches) && branches.length > 0) {
    if (branches.every((branch) => typeof (branch as { const?: unknown } | null)?.const === "string")) {
      delete copy.anyOf;
      copy.type = "string";
    } else {
      copy.anyOf = (copy.anyOf as unknown[]).map((branch) => {
        if (typeof branch !== "object" || branch === null || !("format" in branch)) return branch;
        const { format: _, ...unchecked } = branch as Record<string, unknown>;
        return unchecked.type === "string" ? unchecked : branch;
      });
    }
  }
  return copy;
}

/** For fastify's `schemaController.compilersFactory`: its default compilers, sharing what they compiled. */
export const cachedSchemaCompilers = { buildValidator, buildSerializer } as CompilersFactory;

function cached<Compiled>(
  cache: WeakMap<object, Map<string, Compiled>>,
  key: string | undefined,
  route: RouteSchema,
  compile: (route: RouteSchema) => Compiled,
  reusedCount: "validatorsReused" | "serializersReused",
): Compiled {
  const { schema } = route;
  if (key === undefined || typeof schema !== "object" || schema === null || "$id" in schema)
    return compile(route);
  let byConfiguration = cache.get(schema);
  const found = byConfiguration?.get(key);
  if (found !== undefined) {
    schemaCompilerCounts[reusedCount]++;
    return found;
  }
  const compiled = compile(route);
  if (!byConfiguration) {
    byConfiguration = new Map();
    cache.set(schema, byConfiguration);
  }
  byConfiguration.set(key, compiled);
  return compiled;
}

/** `value` as JSON, or undefined when JSON would lose part of it (a function, a RegExp, a class instance). */
function jsonKey(value: unknown): string | undefined {
  return isPlainData(value) ? JSON.stringify(value) : undefined;
}

function isPlainData(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object": {
      if (Array.isArray(value)) return value.every(isPlainData);
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      // Symbol keys (TypeBox's `Kind`) are not read by either compiler.
      return Object.values(value).every(isPlainData);
    }
    default:
      return false;
  }
}
