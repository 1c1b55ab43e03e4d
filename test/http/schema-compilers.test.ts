// The process-wide cache of compiled route schemas (src/http/schema-compilers.ts) must answer exactly as fastify's own
// compilers do, and must never hand one instance what another, configured differently, compiled: instances with other
// ajv options, other shared schemas under the same $id, ajv plugins or serializer options each get their own.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type AjvCompiler from "@fastify/ajv-compiler";
import Fastify, { type FastifyInstance, type FastifyServerOptions, type InjectOptions } from "fastify";
import { startGavel } from "../../src/app.ts";
import {
  cachedSchemaCompilers,
  schemaCompilerCounts,
  withoutBranchChecks,
} from "../../src/http/schema-compilers.ts";
import { PingReply, PostReply } from "../../src/http/seller-schemas.ts";

/** The exchange's request validation (src/http/server.ts). */
const STRICT = {
  customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: true },
};

// Module-level, as the exchange's route schemas are: the same objects for every instance.
const Shared = {
  $id: "Shared",
  type: "object",
  properties: { n: { type: "integer" } },
  required: ["n"],
  additionalProperties: false,
};
const OtherShared = { ...Shared, properties: { n: { type: "string" } } };
const ThingBody = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 2 },
    count: { type: "integer", minimum: 0 },
    kind: { type: "string", enum: ["a", "b"], default: "a" },
    email: { type: "string", format: "email" },
    shared: { $ref: "Shared#" },
  },
  required: ["name"],
  additionalProperties: false,
};
const ThingQuery = {
  type: "object",
  // Strings: the exchange does not coerce, so a query's numbers are patterns.
  properties: { limit: { type: "string", pattern: "^[0-9]+$", default: "10" } },
  additionalProperties: false,
};
const ThingParams = { type: "object", properties: { id: { type: "string", pattern: "^t[0-9]+$" } } };
const ThingAnswer = {
  type: "object",
  properties: {
    id: { type: "string" },
    body: ThingBody,
    limit: { type: "string" },
    rounded: { type: "integer" },
    shared: { $ref: "Shared#" },
  },
};
const Coded = { type: "object", properties: { code: { type: "string", format: "gavel-code" } } };

interface Build {
  cached: boolean;
  ajv?: FastifyServerOptions["ajv"];
  shared?: object;
  serializerOpts?: FastifyServerOptions["serializerOpts"];
}

async function build({
  cached,
  ajv = STRICT,
  shared = Shared,
  serializerOpts,
}: Build): Promise<FastifyInstance> {
  const app = Fastify({
    ajv,
    ...(serializerOpts ? { serializerOpts } : {}),
    ...(cached ? { schemaController: { compilersFactory: cachedSchemaCompilers } } : {}),
  });
  app.addSchema(shared);
  // In a plugin, as the exchange registers its routes.
  await app.register(async (routes) => {
    routes.post(
      "/things/:id",
      {
        schema: {
          body: ThingBody,
          querystring: ThingQuery,
          params: ThingParams,
          response: { 200: ThingAnswer },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const body = request.body as { shared?: unknown };
        const { limit } = request.query as { limit: string };
        // `extra` is not in the answer's schema (dropped); 2.5 is written as an integer (rounded by the options).
        return { id, body: { ...body, extra: true }, limit, rounded: 2.5, shared: body.shared ?? { n: 1 } };
      },
    );
  });
  await app.ready();
  return app;
}

const REQUESTS: InjectOptions[] = [
  { method: "POST", url: "/things/t1", payload: { name: "ok" } },
  {
    method: "POST",
    url: "/things/t1?limit=3",
    payload: { name: "ok", count: 2, kind: "b", email: "a@example.com" },
  },
  { method: "POST", url: "/things/t1", payload: { name: "ok", shared: { n: 4 } } },
  { method: "POST", url: "/things/t1", payload: { name: "ok", count: "2" } },
  { method: "POST", url: "/things/t1", payload: { name: "x" } },
  { method: "POST", url: "/things/t1", payload: { count: 1 } },
  { method: "POST", url: "/things/t1", payload: { name: "ok", unknown: 1 } },
  { method: "POST", url: "/things/t1", payload: { name: "ok", kind: "c" } },
  { method: "POST", url: "/things/t1", payload: { name: "ok", email: "not an address" } },
  { method: "POST", url: "/things/t1", payload: { name: "ok", shared: { n: "4" } } },
  { method: "POST", url: "/things/t1", payload: { name: "ok", shared: {} } },
  { method: "POST", url: "/things/t1?limit=abc", payload: { name: "ok" } },
  { method: "POST", url: "/things/t1?other=1", payload: { name: "ok" } },
  { method: "POST", url: "/things/nope", payload: { name: "ok" } },
];

async function answers(app: FastifyInstance, requests = REQUESTS): Promise<string[]> {
  const out: string[] = [];
  for (const request of requests) {
    const reply = await app.inject(request);
    out.push(`${reply.statusCode} ${reply.body}`);
  }
  return out;
}

function countsSince(before: typeof schemaCompilerCounts): typeof schemaCompilerCounts {
  return {
    validatorsCompiled: schemaCompilerCounts.validatorsCompiled - before.validatorsCompiled,
    validatorsReused: schemaCompilerCounts.validatorsReused - before.validatorsReused,
    serializersCompiled: schemaCompilerCounts.serializersCompiled - before.serializersCompiled,
    serializersReused: schemaCompilerCounts.serializersReused - before.serializersReused,
  };
}

describe("route schemas compiled once a process", () => {
  test("a second instance reuses the first one's validators and serializers and answers as fastify's own do", async () => {
    const reference = await build({ cached: false });
    const expected = await answers(reference);
    await reference.close();
    // Every kind of answer is among them: a default filled in, a type refused, an unknown property, a format, a $ref.
    assert.deepEqual(
      expected.map((line) => line.slice(0, 3)),
      ["200", "200", "200", "400", "400", "400", "400", "400", "400", "400", "400", "400", "400", "400"],
    );
    assert.match(expected[0]!, /"kind":"a"/);
    assert.match(expected[0]!, /"limit":"10"/);
    assert.doesNotMatch(expected[0]!, /extra/);

    const first = await build({ cached: true });
    assert.deepEqual(await answers(first), expected);
    const before = { ...schemaCompilerCounts };
    const second = await build({ cached: true });
    const counts = countsSince(before);
    assert.deepEqual(await answers(second), expected);
    assert.equal(counts.validatorsCompiled, 0, "nothing compiled again for the second instance");
    assert.equal(counts.serializersCompiled, 0, "nothing compiled again for the second instance");
    assert.equal(counts.validatorsReused, 3, "body, querystring and params");
    assert.equal(counts.serializersReused, 1);
    await Promise.all([first.close(), second.close()]);
  });

  test("other ajv options are not given the strict instance's validators, nor the other way round", async () => {
    const coercing = { customOptions: { ...STRICT.customOptions, coerceTypes: true } };
    const request: InjectOptions = { method: "POST", url: "/things/t1", payload: { name: "ok", count: "2" } };
    for (const order of [
      [STRICT, coercing],
      [coercing, STRICT],
    ]) {
      const apps = [
        await build({ cached: true, ajv: order[0] }),
        await build({ cached: true, ajv: order[1] }),
      ];
      const codes = await Promise.all(apps.map(async (app) => (await app.inject(request)).statusCode));
      assert.deepEqual(codes, order[0] === STRICT ? [400, 200] : [200, 400]);
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  test("another shared schema under the same $id is resolved as its own instance's", async () => {
    const integerFirst = await build({ cached: true, shared: Shared });
    const stringSecond = await build({ cached: true, shared: OtherShared });
    const send = (n: unknown): InjectOptions => ({
      method: "POST",
      url: "/things/t1",
      payload: { name: "ok", shared: { n } },
    });
    assert.equal((await integerFirst.inject(send("4"))).statusCode, 400);
    assert.equal((await stringSecond.inject(send("4"))).statusCode, 200);
    assert.equal((await stringSecond.inject(send(4))).statusCode, 400);
    assert.equal((await integerFirst.inject(send(4))).statusCode, 200);
    assert.equal((await stringSecond.inject(send("4"))).json().shared.n, "4");
    await Promise.all([integerFirst.close(), stringSecond.close()]);
  });

  test("an instance with ajv plugins compiles its own validators", async () => {
    const withFormat = (pattern: RegExp) => ({
      ...STRICT,
      plugins: [(ajv: AjvCompiler.Ajv) => ajv.addFormat("gavel-code", pattern)],
    });
    const appWith = async (pattern: RegExp) => {
      const app = Fastify({
        ajv: withFormat(pattern),
        schemaController: { compilersFactory: cachedSchemaCompilers },
      });
      app.post("/coded", { schema: { body: Coded } }, async () => ({ ok: true }));
      await app.ready();
      return app;
    };
    const letters = await appWith(/^G[A-Z]+$/);
    const digits = await appWith(/^G[0-9]+$/);
    const post = (app: FastifyInstance, code: string) =>
      app.inject({ method: "POST", url: "/coded", payload: { code } }).then((reply) => reply.statusCode);
    assert.deepEqual([await post(letters, "GAB"), await post(letters, "G12")], [200, 400]);
    assert.deepEqual([await post(digits, "GAB"), await post(digits, "G12")], [400, 200]);
    await Promise.all([letters.close(), digits.close()]);
  });

  test("other serializer options are not given another instance's serializer", async () => {
    const truncating = await build({ cached: true });
    const ceiling = await build({ cached: true, serializerOpts: { rounding: "ceil" } });
    const request: InjectOptions = { method: "POST", url: "/things/t1", payload: { name: "ok" } };
    assert.equal((await truncating.inject(request)).json().rounded, 2);
    assert.equal((await ceiling.inject(request)).json().rounded, 3);
    await Promise.all([truncating.close(), ceiling.close()]);
  });

  test("a headers schema is refused at start (fastify would not lowercase its names for this compiler)", async () => {
    const app = Fastify({ ajv: STRICT, schemaController: { compilersFactory: cachedSchemaCompilers } });
    app.get(
      "/h",
      { schema: { headers: { type: "object", properties: { "X-Key": { type: "string" } } } } },
      async () => ({}),
    );
    await assert.rejects(async () => {
      await app.ready();
    }, /headers schema/);
  });

  test("a second exchange in the process answers as the first, compiling only the schemas built per exchange", async () => {
    const requests: InjectOptions[] = [
      {
        method: "POST",
        url: "/v1/ping",
        payload: { vertical: 3 },
        headers: { authorization: "Bearer unknown" },
      },
      { method: "GET", url: "/v1/admin/verticals", headers: { authorization: "Bearer admin-key" } },
      { method: "GET", url: "/v1/admin/leads?limit=x", headers: { authorization: "Bearer admin-key" } },
      {
        method: "PUT",
        url: "/v1/admin/settings",
        payload: { nope: 1 },
        headers: { authorization: "Bearer admin-key" },
      },
      { method: "GET", url: "/docs/json" },
    ];
    const startOne = async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "gavel-schema-compilers-"));
      const before = { ...schemaCompilerCounts };
      const gavel = await startGavel({
        dataDir,
        databaseUrl: "",
        redisUrl: "",
        port: 0,
        adminKey: "admin-key",
        logLevel: "silent",
      });
      const counts = countsSince(before);
      const replies: string[] = [];
      for (const request of requests) {
        const reply = await gavel.inject(request);
        replies.push(`${reply.statusCode} ${reply.body}`);
      }
      await gavel.close();
      rmSync(dataDir, { recursive: true, force: true });
      return { counts, replies };
    };
    const first = await startOne();
    const second = await startOne();
    assert.deepEqual(second.replies, first.replies);
    assert.ok(
      second.counts.validatorsReused > 50 && second.counts.serializersReused > 100,
      JSON.stringify(second),
    );
    // What is still compiled: the schemas route plugins build when called (today 21 validators and 16 serializers).
    assert.ok(
      second.counts.validatorsCompiled + second.counts.serializersCompiled < 60,
      JSON.stringify(second),
    );
  });

  test("a reply is written byte for byte as fastify's own serializer writes it, without checking anyOf branches", async () => {
    const Nested = {
      type: "object",
      properties: {
        items: {
          type: "array",
          items: {
            type: "object",
            properties: {
              state: {
                anyOf: [
                  { const: "on", type: "string" },
                  { const: "off", type: "string" },
                ],
              },
              at: { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] },
              n: { anyOf: [{ type: "integer" }, { type: "string" }] },
            },
          },
        },
      },
    };
    const routes: [string, object, unknown[]][] = [
      [
        "ping",
        PingReply,
        [
          { ping_id: "p1", status: "bid", price: 12.5, expires_at: "2026-12-06T23:01:02.003Z" },
          { ping_id: 'p"2\u2028', status: "no_bid", price: 0, expires_at: null, reason: "no buyer" },
        ],
      ],
      [
        "post",
        PostReply,
        [{ lead_id: "l1", status: "sold", price: 3, redirect_url: "https://x.example/?a=1&b=é" }],
      ],
      [
        "nested",
        Nested,
        [
          {
            items: [
              { state: "on", at: "2026-12-06T23:01:02Z", n: 1 },
              { state: "off", at: null, n: "x" },
            ],
          },
        ],
      ],
    ];
    const serve = async (cached: boolean) => {
      const app = Fastify(cached ? { schemaController: { compilersFactory: cachedSchemaCompilers } } : {});
      for (const [name, schema, values] of routes) {
        app.get(`/${name}/:i`, { schema: { response: { 200: schema } } }, async (request) => {
          return values[Number((request.params as { i: string }).i)];
        });
      }
      await app.ready();
      const bodies: string[] = [];
      for (const [name, , values] of routes) {
        for (let i = 0; i < values.length; i++) {
          const reply = await app.inject({ url: `/${name}/${i}` });
          bodies.push(`${reply.statusCode} ${reply.body}`);
        }
      }
      await app.close();
      return bodies;
    };
    const expected = await serve(false);
    assert.ok(
      expected.every((body) => body.startsWith("200 ")),
      expected.join("\n"),
    );
    assert.deepEqual(await serve(true), expected);
    // The checks are gone from what fast-json-stringify is given, not from the route's schema.
    const view = JSON.parse(JSON.stringify(withoutBranchChecks(PingReply)));
    assert.deepEqual(view.properties.status, { type: "string" });
    assert.deepEqual(view.properties.expires_at, { anyOf: [{ type: "string" }, { type: "null" }] });
    assert.equal((PingReply.properties.expires_at.anyOf[0] as { format?: string }).format, "date-time");
  });
});
