// Every operation the server answers declares the shape of its success answer: fastify serialises it with that
// schema and /docs shows it. This lists every route the full server registers (console, funds, returns, privacy and
// replay included: startGavel serves them all) from its OpenAPI description, where fastify/swagger records every
// route that is not hidden, and fails when one answers a 2xx status without a body schema. The hidden routes are the
// console's page and the redirect to /docs (HTML and a redirect, named below).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type RunningGavel, startGavel } from "../../src/app.ts";

let gavel: RunningGavel;
let dataDir: string;
describe("route-schemas", () => {
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "gavel-route-schemas-"));
    gavel = await startGavel({ dataDir, adminKey: "route-schemas-admin-key", port: 0, logLevel: "silent" });
  });
  after(async () => {
    await gavel?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  interface Operation {
    responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  }

  /** "GET /v1/admin/leads" → the 2xx statuses it declares, and whether each has a body schema. */
  async function operations(): Promise<Map<string, { status: string; schema: boolean }[]>> {
    const doc = (await gavel.inject({ method: "GET", url: "/docs/json" })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const found = new Map<string, { status: string; schema: boolean }[]>();
    for (const [path, byMethod] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(byMethod)) {
        const answers = Object.entries(operation.responses ?? {})
          .filter(([status]) => status.startsWith("2"))
          .map(([status, response]) => ({
            status,
            schema: Object.values(response.content ?? {}).some((media) => media.schema !== undefined),
          }));
        found.set(`${method.toUpperCase()} ${path}`, answers);
      }
    }
    return found;
  }

  test("every operation declares a schema for its success answer", async () => {
    const found = await operations();
    const missing = [...found]
      .filter(([, answers]) => answers.length === 0 || answers.some((answer) => !answer.schema))
      .map(([name]) => name);
    const withSchema = found.size - missing.length;
    process.stdout.write(
      `# ${withSchema} of ${found.size} operations declare their success answers' schemas\n`,
    );
    assert.deepEqual(
      missing,
      [],
      "these operations answer without a response schema: add one next to the route",
    );
  });

  test("the posting spec declares its JSON and its page, each under its own content type", async () => {
    const doc = (await gavel.inject({ method: "GET", url: "/docs/json" })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const content = doc.paths["/v1/posting-spec/{vertical}"]?.get?.responses?.["200"]?.content ?? {};
    assert.deepEqual(Object.keys(content).sort(), ["application/json", "text/html"]);
    const json = content["application/json"]?.schema as { properties?: Record<string, unknown> } | undefined;
    assert.ok(json?.properties?.fields && json.properties.examples, "the spec's shape, not an empty schema");
  });
});
