// One contract suite over every buyer adapter and preset, native included, in the Prebid Server style: each folder
// of fixtures/ is one adapter; its `_adapter.json` (absent for the native protocol) holds the campaign that configures
// it, and every other file is one case: the input the engine hands the adapter, the exact HTTP request the buyer
// receives, the buyer's reply, and the bid, acceptance, reject or error the adapter makes of it. Adding a preset or a
// case means adding files, not code. A case may instead expect the configuration to be refused when saved
// (`expectedConfigError`).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type {
  AdapterRequest,
  BuyerAdapter,
  PingReply,
  PingRequestInput,
  PostReply,
  PostRequestInput,
} from "../../src/buyers/buyer-adapter.ts";
import { compileCampaignAdapter, integrationProblem } from "../../src/buyers/campaign-adapter.ts";
import type { Campaign } from "../../src/domain/config-schema.ts";
import { BUILT_IN_VERTICALS } from "../../src/domain/verticals/index.ts";

interface AdapterConfig {
  description: string;
  /** Merged over a realtime personal-injury campaign pinging https://buyer.example/ping and posting to /post. */
  campaign: Partial<Campaign>;
}

interface ExpectedRequest {
  method: string;
  url: string;
  query?: string;
  headers: Record<string, string>;
  /** A string is compared exactly; anything else is compared with the body parsed as JSON. */
  body?: unknown;
}

interface Fixture {
  description: string;
  /** Replaces the adapter's `integration` for this case. */
  integration?: Campaign["integration"];
  ping?: PingRequestInput;
  post?: PostRequestInput;
  expectedRequest?: ExpectedRequest;
  /** The native fixtures' form: only the JSON body, compared structurally. */
  expectedRequestBody?: unknown;
  /** `body` is sent as is when it is a string, JSON-encoded otherwise. */
  reply?: { status: number; body: unknown };
  /** For invalid and http_error, `detail` is only checked when given (tests assert on kinds, not wording). */
  expected?: PingReply | PostReply;
  /** The configuration is refused when saved: the path named, and a regex over the message. */
  expectedConfigError?: { path: string; message: string };
  todo?: string;
}

const FIXTURES = new URL("./fixtures/", import.meta.url);
const KNOWN_KEYS = new Set([
  "description",
  "integration",
  "ping",
  "post",
  "expectedRequest",
  "expectedRequestBody",
  "reply",
  "expected",
  "expectedConfigError",
  "todo",
]);
const personalInjury = BUILT_IN_VERTICALS.find((vertical) => vertical.id === "personal_injury")!;

function baseCampaign(overrides: Partial<Campaign>): Campaign {
  return {
    id: "contract",
    buyer_id: "buyer",
    vertical: "personal_injury",
    name: "contract",
    status: "active",
    filters: [],
    pricing: { type: "realtime" },
    ping: { url: "https://buyer.example/ping", timeout_ms: 300 },
    post: { url: "https://buyer.example/post", timeout_ms: 1000 },
    ...overrides,
  };
}

function loadAdapters(): {
  name: string;
  config?: AdapterConfig;
  cases: { file: string; fixture: Fixture }[];
}[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = new URL(`${name}/`, FIXTURES);
      const configFile = new URL("_adapter.json", dir);
      const read = (url: URL) => JSON.parse(readFileSync(url, "utf8")) as unknown;
      return {
        name,
        ...(existsSync(configFile) ? { config: read(configFile) as AdapterConfig } : {}),
        cases: readdirSync(dir)
          .filter((file) => file.endsWith(".json") && !file.startsWith("_"))
          .sort()
          .map((file) => ({ file, fixture: read(new URL(file, dir)) as Fixture })),
      };
    });
}

function checkShape(fixture: Fixture): void {
  for (const key of Object.keys(fixture)) assert.ok(KNOWN_KEYS.has(key), `unknown key ${key}`);
  assert.equal(typeof fixture.description, "string");
  if (fixture.expectedConfigError) return;
  assert.ok((fixture.ping === undefined) !== (fixture.post === undefined), "exactly one of ping or post");
  assert.equal(fixture.reply === undefined, fixture.expected === undefined, "reply and expected go together");
  assert.ok(
    fixture.expectedRequest !== undefined ||
      fixture.expectedRequestBody !== undefined ||
      fixture.reply !== undefined,
    "nothing to check",
  );
}

function assertRequest(actual: AdapterRequest, expected: ExpectedRequest): void {
  assert.equal(actual.method, expected.method);
  assert.equal(actual.url, expected.url);
  assert.equal(actual.query, expected.query);
  assert.deepEqual(actual.headers, expected.headers);
  if (expected.body === undefined) assert.equal(actual.body, undefined);
  else if (typeof expected.body === "string") assert.equal(actual.body, expected.body);
  else assert.deepEqual(JSON.parse(actual.body ?? ""), expected.body);
}

function assertReply(actual: PingReply | PostReply, expected: PingReply | PostReply): void {
  const detailGiven = (expected as { detail?: string }).detail !== undefined;
  if ((expected.kind === "invalid" || expected.kind === "http_error") && !detailGiven) {
    assert.equal(actual.kind, expected.kind, JSON.stringify(actual));
    const detail = (actual as { detail?: unknown }).detail;
    assert.ok(typeof detail === "string" && detail.length > 0, "an invalid or failed reply says why");
    return;
  }
  assert.deepEqual(actual, expected);
}

const adapters = loadAdapters();

test("every adapter has ping and post fixtures, and the templated ones cover every body format", () => {
  for (const adapter of adapters) {
    assert.ok(
      adapter.cases.some(({ fixture }) => fixture.ping),
      `${adapter.name}: no ping case`,
    );
    assert.ok(
      adapter.cases.some(({ fixture }) => fixture.post),
      `${adapter.name}: no post case`,
    );
  }
  const formats = new Set<string>();
  for (const adapter of adapters) {
    const integration = adapter.config?.campaign.integration;
    if (integration?.type === "templated") {
      for (const side of [integration.ping, integration.post]) if (side) formats.add(side.format);
    }
  }
  assert.deepEqual([...formats].sort(), ["form", "json", "xml"]);
});

for (const adapter of adapters) {
  describe(`${adapter.name} adapter`, () => {
    for (const { file, fixture } of adapter.cases) {
      test(`${file}: ${fixture.description}`, fixture.todo ? { todo: fixture.todo } : {}, () => {
        checkShape(fixture);
        const overrides: Partial<Campaign> = {
          ...adapter.config?.campaign,
          ...(fixture.integration ? { integration: fixture.integration } : {}),
        };
        const campaign = baseCampaign(overrides);
        if (fixture.expectedConfigError) {
          const problem = integrationProblem(campaign, personalInjury);
          assert.ok(problem, "the configuration should be refused");
          assert.equal(problem.path, fixture.expectedConfigError.path);
          assert.match(problem.message, new RegExp(fixture.expectedConfigError.message));
          return;
        }
        const built: BuyerAdapter = compileCampaignAdapter(campaign, personalInjury);
        const request = fixture.ping ? built.buildPing(fixture.ping) : built.buildPost(fixture.post!);
        if (fixture.expectedRequest) assertRequest(request, fixture.expectedRequest);
        if (fixture.expectedRequestBody !== undefined)
          assert.deepEqual(JSON.parse(request.body ?? ""), fixture.expectedRequestBody);
        if (fixture.reply && fixture.expected) {
          const { status, body } = fixture.reply;
          const raw = typeof body === "string" ? body : JSON.stringify(body);
          const actual = fixture.ping ? built.parsePing(status, raw) : built.parsePost(status, raw);
          assertReply(actual, fixture.expected);
        }
      });
    }
  });
}
