// Native buyer protocol fixtures, in the Prebid Server style: each file in fixtures/native/ is one case (the input
// the engine hands the adapter, the exact body the buyer receives, the buyer's reply, and what the adapter makes of
// it). Adding a case means adding a file.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  buildPingBody,
  buildPostBody,
  type PingReply,
  type PingRequestInput,
  type PostReply,
  type PostRequestInput,
  parsePingReply,
  parsePostReply,
} from "../../src/buyers/native-adapter.ts";

interface Fixture {
  description: string;
  ping?: PingRequestInput;
  post?: PostRequestInput;
  /** The JSON the buyer receives, compared structurally. */
  expectedRequestBody?: unknown;
  /** `body` is sent as is when it is a string, JSON-encoded otherwise. */
  reply?: { status: number; body: unknown };
  /** For invalid and http_error, `detail` is only checked when given (tests assert on kinds, not wording). */
  expected?: PingReply | PostReply;
  /** Marks a fixture that documents a known bug. */
  todo?: string;
}

const FIXTURE_DIR = new URL("./fixtures/native/", import.meta.url);
const KNOWN_KEYS = new Set([
  "description",
  "ping",
  "post",
  "expectedRequestBody",
  "reply",
  "expected",
  "todo",
]);

function loadFixtures(): { file: string; fixture: Fixture }[] {
  return readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      file,
      fixture: JSON.parse(readFileSync(new URL(file, FIXTURE_DIR), "utf8")) as Fixture,
    }));
}

function checkShape(fixture: Fixture): void {
  for (const key of Object.keys(fixture)) assert.ok(KNOWN_KEYS.has(key), `unknown key ${key}`);
  assert.equal(typeof fixture.description, "string");
  assert.ok((fixture.ping === undefined) !== (fixture.post === undefined), "exactly one of ping or post");
  assert.equal(fixture.reply === undefined, fixture.expected === undefined, "reply and expected go together");
  assert.ok(fixture.expectedRequestBody !== undefined || fixture.reply !== undefined, "nothing to check");
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

const fixtures = loadFixtures();

test("there are fixtures for both phases", () => {
  assert.ok(fixtures.some(({ fixture }) => fixture.ping));
  assert.ok(fixtures.some(({ fixture }) => fixture.post));
});

describe("native adapter fixtures", () => {
  for (const { file, fixture } of fixtures) {
    test(`${file}: ${fixture.description}`, fixture.todo ? { todo: fixture.todo } : {}, () => {
      checkShape(fixture);
      const phase = fixture.ping ? "ping" : "post";
      if (fixture.expectedRequestBody !== undefined) {
        const body = fixture.ping ? buildPingBody(fixture.ping) : buildPostBody(fixture.post!);
        assert.deepEqual(JSON.parse(body), fixture.expectedRequestBody);
      }
      if (fixture.reply && fixture.expected) {
        const { status, body } = fixture.reply;
        const raw = typeof body === "string" ? body : JSON.stringify(body);
        const actual = phase === "ping" ? parsePingReply(status, raw) : parsePostReply(status, raw);
        assertReply(actual, fixture.expected);
      }
    });
  }
});

test("buildPingBody carries only the protocol's keys, in a stable order", () => {
  const body = buildPingBody({ requestId: "r", vertical: "v", lead: {}, tmaxMs: 100, test: false });
  assert.deepEqual(Object.keys(JSON.parse(body)), ["request_id", "vertical", "lead", "tmax_ms", "test"]);
});

test("buildPostBody carries only the protocol's keys, in a stable order", () => {
  const body = buildPostBody({ requestId: "r", bidId: "b", priceCents: 1, lead: {}, consent: {} });
  assert.deepEqual(Object.keys(JSON.parse(body)), ["request_id", "bid_id", "price", "lead", "consent"]);
});
