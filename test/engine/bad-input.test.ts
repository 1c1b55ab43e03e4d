// Bad input never yields a 500 (DESIGN rule 10): every refusal has a stable code, the right status and the field at
// fault; a bounded fuzz run checks the same over a few hundred mutated bodies.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { type Random, seededRandom } from "../../src/sim/random.ts";
import { sendPing, VERTICAL } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  type Reply,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const PAUSED_SOURCE_KEY = "test-paused-source-key";
/** A source that pings while live and is paused before it posts. */
const PAUSED_LATER_KEY = "test-paused-later-source-key";
/** A source limited to auto-insurance leads and one sub-id. */
const LIMITED_SOURCE_KEY = "test-limited-source-key";
const SELLER_PATHS = ["/v1/ping", "/v1/post", "/v1/leads"] as const;

let h: Harness;

before(async () => {
  h = await startHarness([bidder("buyer", 30)], (farm) => ({
    sources: [
      testSource(),
      testSource({
        id: "src-paused",
        status: "paused",
        api_key_sha256: sha256Hex(PAUSED_SOURCE_KEY),
      }),
      testSource({ id: "src-paused-later", api_key_sha256: sha256Hex(PAUSED_LATER_KEY) }),
      testSource({
        id: "src-limited",
        verticals: ["auto_insurance"],
        sub_ids: ["aff-1"],
        api_key_sha256: sha256Hex(LIMITED_SOURCE_KEY),
      }),
    ],
    buyers: [{ id: "buyer", name: "buyer", status: "active" }],
    campaigns: [
      {
        id: "buyer",
        buyer_id: "buyer",
        vertical: VERTICAL,
        name: "buyer",
        status: "active",
        filters: [],
        pricing: { type: "realtime" },
        ping: { url: farm.buyers["buyer"]!.ping, timeout_ms: 300 },
        post: { url: farm.buyers["buyer"]!.post, timeout_ms: 1000 },
      },
    ],
  }));
});
after(() => h?.close());

/** A POST with exactly these headers (the harness always adds a bearer key). */
async function rawPost(path: string, body: string, headers: Record<string, string>): Promise<Reply> {
  const response = await fetch(h.gavel.url + path, { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function assertError(reply: Reply, status: number, code: string, field?: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body?.error?.code, code, JSON.stringify(reply.body));
  assert.equal(typeof reply.body.error.message, "string");
  if (field !== undefined) assert.equal(reply.body.error.field, field, JSON.stringify(reply.body));
}

/** A valid body for each seller path. */
function validBody(path: (typeof SELLER_PATHS)[number]): Record<string, unknown> {
  const lead = personalInjuryLead();
  if (path === "/v1/ping") return { vertical: VERTICAL, lead: lead.ping };
  if (path === "/v1/post") return { ping_id: "00000000-0000-4000-8000-000000000000", lead: lead.full };
  return { vertical: VERTICAL, lead: lead.full, consent: lead.consent };
}

describe(`[${BACKEND}] bad input`, () => {
  describe("authentication", () => {
    const json = { "content-type": "application/json" };

    for (const path of SELLER_PATHS) {
      test(`${path}: no key, a wrong key or another scheme is a 401`, async () => {
        const body = JSON.stringify(validBody(path));
        assertError(await rawPost(path, body, json), 401, "GAVEL_UNAUTHORIZED");
        assertError(
          await rawPost(path, body, { ...json, authorization: "Bearer nope" }),
          401,
          "GAVEL_UNAUTHORIZED",
        );
        assertError(
          await rawPost(path, body, { ...json, authorization: "Bearer " }),
          401,
          "GAVEL_UNAUTHORIZED",
        );
        assertError(
          await rawPost(path, body, { ...json, authorization: `Basic ${SOURCE_KEY}` }),
          401,
          "GAVEL_UNAUTHORIZED",
        );
      });
    }

    test("without a key, an invalid body is still a 401: the API's shape is not shown to strangers", async () => {
      assertError(await rawPost("/v1/ping", "{}", json), 401, "GAVEL_UNAUTHORIZED");
    });

    test("a paused source may not ping or direct-post: 403, and no buyer hears of it", async () => {
      const recorded = (await h.farm.requests()).length;
      assertError(await sendPing(h, { key: PAUSED_SOURCE_KEY }), 403, "GAVEL_SOURCE_PAUSED");
      assertError(
        await h.call("/v1/leads", validBody("/v1/leads"), { key: PAUSED_SOURCE_KEY }),
        403,
        "GAVEL_SOURCE_PAUSED",
      );
      assert.equal((await h.farm.requests()).length, recorded);
    });
  });

  describe("what a source may do", () => {
    test("a source paused after its ping may not post it: 403, and the buyer never receives the lead", async () => {
      const ping = await sendPing(h, { key: PAUSED_LATER_KEY });
      assert.equal(ping.body.status, "bid");
      const source = (await h.admin("GET", "/v1/admin/sources/src-paused-later")).body;
      assert.equal(
        (await h.admin("PUT", "/v1/admin/sources/src-paused-later", { ...source, status: "paused" })).status,
        200,
      );
      const lead = personalInjuryLead();
      const post = await h.call(
        "/v1/post",
        { ping_id: ping.body.ping_id, lead: lead.full, consent: lead.consent },
        { key: PAUSED_LATER_KEY },
      );
      assertError(post, 403, "GAVEL_SOURCE_PAUSED");
      const posts = (await h.farm.requests()).filter(
        (r) => r.kind === "post" && r.body.includes(ping.body.ping_id),
      );
      assert.deepEqual(posts, []);
    });

    test("a source limited to other verticals is a 403 naming the vertical", async () => {
      assertError(await sendPing(h, { key: LIMITED_SOURCE_KEY }), 403, "GAVEL_FORBIDDEN", "vertical");
      assertError(
        await h.call("/v1/leads", validBody("/v1/leads"), { key: LIMITED_SOURCE_KEY }),
        403,
        "GAVEL_FORBIDDEN",
        "vertical",
      );
    });

    test("a sub_id the source does not own is a 400 naming sub_id", async () => {
      const reply = await h.call(
        "/v1/ping",
        { vertical: "auto_insurance", lead: {}, sub_id: "someone-else" },
        { key: LIMITED_SOURCE_KEY },
      );
      assertError(reply, 400, "GAVEL_VALIDATION", "sub_id");
    });
  });

  describe("the body's form", () => {
    for (const path of SELLER_PATHS) {
      test(`${path}: malformed or empty JSON is a 400 GAVEL_INVALID_JSON`, async () => {
        for (const raw of ['{"vertical":', "{vertical: 1}", "", '{"a":1}}', "\u0000"]) {
          assertError(await h.call(path, undefined, { rawBody: raw }), 400, "GAVEL_INVALID_JSON");
        }
      });

      test(`${path}: JSON that is not an object is a 400 naming the body`, async () => {
        for (const raw of ["[]", "null", '"lead"', "42"]) {
          assertError(await h.call(path, undefined, { rawBody: raw }), 400, "GAVEL_VALIDATION", "body");
        }
      });

      test(`${path}: a body over 64 KiB is a 413`, async () => {
        const body = { ...validBody(path), padding: "x".repeat(65 * 1024) };
        assertError(await h.call(path, body), 413, "GAVEL_PAYLOAD_TOO_LARGE");
      });

      test(`${path}: a bad lead context is a 400 naming its field`, async () => {
        const bad: [Record<string, unknown>, string][] = [
          [{ ip_address: "999.1.1.1" }, "context.ip_address"],
          [{ ip_address: "example.com" }, "context.ip_address"],
          [{ ip_address: 17 }, "context.ip_address"],
          [{ user_agent: "x".repeat(1001) }, "context.user_agent"],
          [{ landing_page_url: "javascript:alert(1)" }, "context.landing_page_url"],
          [{ landing_page_url: "not a url" }, "context.landing_page_url"],
          [{ referrer: "https://a.example" }, "context.referrer"],
        ];
        for (const [context, field] of bad) {
          const body = validBody(path);
          if (path === "/v1/post") {
            // A real held ping: the context is checked against it, not refused as an unknown ping.
            const ping = await sendPing(h);
            assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
            body.ping_id = ping.body.ping_id;
            body.consent = personalInjuryLead().consent;
          }
          const reply = await h.call(path, { ...body, context });
          assertError(reply, 400, "GAVEL_VALIDATION", field);
        }
        const good = { ip_address: "::ffff:203.0.113.9", landing_page_url: "https://a.example/x" };
        const body = validBody(path);
        if (path === "/v1/post") body.ping_id = (await sendPing(h)).body.ping_id;
        if (path === "/v1/post") body.consent = personalInjuryLead().consent;
        const reply = await h.call(path, { ...body, context: good });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
      });

      test(`${path}: a form body is a 415`, async () => {
        const reply = await h.call(path, undefined, {
          rawBody: "vertical=personal_injury",
          contentType: "application/x-www-form-urlencoded",
        });
        assertError(reply, 415, "GAVEL_UNSUPPORTED_MEDIA_TYPE");
      });
    }

    test("a text/plain body is a 415 (even when it holds JSON)", async () => {
      for (const raw of ["hello", JSON.stringify(validBody("/v1/ping"))]) {
        const reply = await h.call("/v1/ping", undefined, { rawBody: raw, contentType: "text/plain" });
        assertError(reply, 415, "GAVEL_UNSUPPORTED_MEDIA_TYPE");
      }
    });

    test("JSON with a charset parameter is accepted", async () => {
      const reply = await h.call("/v1/ping", undefined, {
        rawBody: JSON.stringify(validBody("/v1/ping")),
        contentType: "application/json; charset=utf-8",
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.status, "bid");
    });

    test("prototype-pollution keys are refused, and pollute nothing", async () => {
      for (const key of ["__proto__", "constructor"]) {
        const raw = `{"vertical":"${VERTICAL}","lead":{"${key}":{"prototype":{"polluted":1},"polluted":1}}}`;
        const reply = await h.call("/v1/ping", undefined, { rawBody: raw });
        assert.equal(reply.status, 400, raw);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    test("an id holding a NUL character is not found (or refused), never a 500: on a post and in the admin API", async () => {
      const lead = personalInjuryLead();
      for (const pingId of ["\u0000", "abc\u0000def"]) {
        const reply = await h.call("/v1/post", { ping_id: pingId, lead: lead.full, consent: lead.consent });
        assert.ok([400, 404].includes(reply.status), `ping_id ${JSON.stringify(pingId)}: ${reply.status}`);
        assert.equal(reply.body.error.field, "ping_id");
      }
      for (const path of ["/v1/admin/pings/%00", "/v1/admin/leads/%00"]) {
        const reply = await h.admin("GET", path);
        assert.ok(
          [400, 404].includes(reply.status),
          `${path}: ${reply.status} ${JSON.stringify(reply.body)}`,
        );
      }
    });
  });

  describe("field validation names the field at fault", () => {
    const pingLead = personalInjuryLead().ping;
    const fullLead = personalInjuryLead().full;
    const consent = personalInjuryLead().consent;
    const without = (lead: Record<string, unknown>, field: string) => {
      const copy = { ...lead };
      delete copy[field];
      return copy;
    };
    const cases: { name: string; path: string; body: Record<string, unknown>; field: string }[] = [
      {
        name: "severity as a word",
        path: "/v1/ping",
        body: { lead: { ...pingLead, injury_severity: "high" } },
        field: "lead.injury_severity",
      },
      {
        name: "severity out of range",
        path: "/v1/ping",
        body: { lead: { ...pingLead, injury_severity: 11 } },
        field: "lead.injury_severity",
      },
      {
        name: "fractional severity",
        path: "/v1/ping",
        body: { lead: { ...pingLead, injury_severity: 7.5 } },
        field: "lead.injury_severity",
      },
      { name: "zip abc", path: "/v1/ping", body: { lead: { ...pingLead, zip: "abc" } }, field: "lead.zip" },
      {
        name: "zip as a number",
        path: "/v1/ping",
        body: { lead: { ...pingLead, zip: 90210 } },
        field: "lead.zip",
      },
      {
        name: "state ZZ",
        path: "/v1/ping",
        body: { lead: { ...pingLead, state: "ZZ" } },
        field: "lead.state",
      },
      {
        name: "boolean as a word",
        path: "/v1/ping",
        body: { lead: { ...pingLead, insured: "yes" } },
        field: "lead.insured",
      },
      {
        name: "enum value unknown",
        path: "/v1/ping",
        body: { lead: { ...pingLead, crash_type: "meteor" } },
        field: "lead.crash_type",
      },
      {
        name: "missing required field",
        path: "/v1/ping",
        body: { lead: without(pingLead, "injury_type") },
        field: "lead.injury_type",
      },
      {
        name: "unknown lead field",
        path: "/v1/ping",
        body: { lead: { ...pingLead, favourite_colour: "blue" } },
        field: "lead.favourite_colour",
      },
      {
        name: "e-mail on a ping",
        path: "/v1/ping",
        body: { lead: { ...pingLead, email: "a@example.com" } },
        field: "lead.email",
      },
      {
        name: "phone on a ping",
        path: "/v1/ping",
        body: { lead: { ...pingLead, phone: "2125550147" } },
        field: "lead.phone",
      },
      {
        name: "name on a ping",
        path: "/v1/ping",
        body: { lead: { ...pingLead, first_name: "Jordan" } },
        field: "lead.first_name",
      },
      {
        name: "unknown top-level field",
        path: "/v1/ping",
        body: { lead: pingLead, colour: "blue" },
        field: "colour",
      },
      {
        name: "tmax_ms as text",
        path: "/v1/ping",
        body: { lead: pingLead, tmax_ms: "fast" },
        field: "tmax_ms",
      },
      { name: "tmax_ms too small", path: "/v1/ping", body: { lead: pingLead, tmax_ms: 1 }, field: "tmax_ms" },
      { name: "test as text", path: "/v1/ping", body: { lead: pingLead, test: "yes" }, field: "test" },
      {
        name: "bad contact hash",
        path: "/v1/ping",
        body: { lead: pingLead, contact_hash: { email_sha256: "abc" } },
        field: "contact_hash.email_sha256",
      },
      { name: "lead as an array", path: "/v1/ping", body: { lead: [] }, field: "lead" },
      {
        name: "phone 123",
        path: "/v1/leads",
        body: { lead: { ...fullLead, phone: "123" }, consent },
        field: "lead.phone",
      },
      {
        name: "e-mail without @",
        path: "/v1/leads",
        body: { lead: { ...fullLead, email: "jordan" }, consent },
        field: "lead.email",
      },
      {
        name: "missing first name",
        path: "/v1/leads",
        body: { lead: without(fullLead, "first_name"), consent },
        field: "lead.first_name",
      },
      {
        name: "consent URL not http",
        path: "/v1/leads",
        body: { lead: fullLead, consent: { trustedform_cert_url: "javascript:alert(1)" } },
        field: "consent.trustedform_cert_url",
      },
      {
        name: "consent value not text",
        path: "/v1/leads",
        body: { lead: fullLead, consent: { trustedform_cert_url: 5 } },
        field: "consent.trustedform_cert_url",
      },
      { name: "no consent", path: "/v1/leads", body: { lead: fullLead }, field: "consent" },
      {
        name: "ping_id as a number",
        path: "/v1/post",
        body: { ping_id: 5, lead: fullLead, consent },
        field: "ping_id",
      },
      { name: "missing ping_id", path: "/v1/post", body: { lead: fullLead, consent }, field: "ping_id" },
    ];
    for (const c of cases) {
      test(`${c.path} ${c.name} → 400 on ${c.field}`, async () => {
        const body = c.path === "/v1/post" ? c.body : { vertical: VERTICAL, ...c.body };
        assertError(await h.call(c.path, body), 400, "GAVEL_VALIDATION", c.field);
      });
    }

    test("a missing vertical or lead is named", async () => {
      assertError(await h.call("/v1/ping", { lead: pingLead }), 400, "GAVEL_VALIDATION", "vertical");
      assertError(await h.call("/v1/ping", { vertical: VERTICAL }), 400, "GAVEL_VALIDATION", "lead");
    });
  });

  describe("fuzz: mutated bodies never produce a 500", () => {
    const ALLOWED = new Set([200, 400, 401, 403, 404, 409, 410, 413, 415, 422]);
    const ITERATIONS = 400;
    const PARALLEL = 8;
    // Fixed so a failure reproduces; GAVEL_FUZZ_SEED explores other sequences.
    const FUZZ_SEED = Number(process.env.GAVEL_FUZZ_SEED ?? 20_251_121);

    test(`${ITERATIONS} mutated requests: each a 2xx or a 4xx with a GAVEL_ code; the server still answers`, async () => {
      const random = seededRandom(FUZZ_SEED);
      const held = await sendPing(h);
      assert.equal(held.body.status, "bid");
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (let i = 0; i < ITERATIONS; i += PARALLEL) {
        await Promise.all(
          Array.from({ length: PARALLEL }, async () => {
            const request = mutatedRequest(random, held.body.ping_id);
            let reply: Reply;
            try {
              reply = await h.call(request.path, undefined, {
                rawBody: request.raw,
                contentType: request.contentType,
                ...(request.key === undefined ? {} : { key: request.key }),
              });
            } catch (error) {
              failures.push(`${request.path} ${request.raw.slice(0, 200)} → no JSON answer: ${error}`);
              return;
            }
            statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
            const code: unknown = reply.body?.error?.code;
            const ok =
              ALLOWED.has(reply.status) &&
              (reply.status === 200
                ? reply.body?.error === undefined
                : typeof code === "string" && code.startsWith("GAVEL_") && code !== "GAVEL_INTERNAL");
            if (!ok)
              failures.push(
                `${request.path} ${request.raw.slice(0, 300)} → ${reply.status} ${JSON.stringify(reply.body)}`,
              );
          }),
        );
      }
      assert.deepEqual(failures, [], `seed ${FUZZ_SEED}`);
      assert.ok(
        (statuses.get(400) ?? 0) > ITERATIONS / 4,
        `mostly refusals: ${JSON.stringify([...statuses])}`,
      );
      assert.ok((statuses.get(200) ?? 0) > 0, `some mutations stay valid: ${JSON.stringify([...statuses])}`);

      const health = await fetch(`${h.gavel.url}/healthz`);
      assert.equal(health.status, 200);
      const after = await sendPing(h);
      assert.equal(after.status, 200);
      assert.equal(after.body.status, "bid");
    });
  });
});

interface FuzzRequest {
  path: string;
  raw: string;
  contentType: string;
  key?: string;
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  -1e308,
  0.1,
  1e21,
  "",
  " ",
  "x".repeat(5000),
  "\u0000",
  "\ud800",
  "😀",
  "<script>alert(1)</script>",
  "'; DROP TABLE leads; --",
  "personal_injury",
  "NY",
  "90210",
  [],
  [1, 2, 3],
  {},
  { $gt: "" },
  { nested: { deeper: [null] } },
];

function mutatedRequest(random: Random, heldPingId: string): FuzzRequest {
  const path = pick(random, SELLER_PATHS);
  const body: Record<string, unknown> = structuredClone(validBody(path));
  if (path === "/v1/post" && random() < 0.5) body.ping_id = heldPingId;
  const mutations = 1 + Math.floor(random() * 3);
  for (let m = 0; m < mutations; m++) mutate(random, body);
  let raw = JSON.stringify(body);
  const roll = random();
  if (roll < 0.1) raw = raw.slice(0, Math.floor(random() * raw.length));
  else if (roll < 0.2) {
    const at = Math.floor(random() * raw.length);
    raw =
      raw.slice(0, at) +
      pick(random, ["{", "}", '"', ",", "\\", ":", "]", "\u0000", "é"]) +
      raw.slice(at + 1);
  } else if (roll < 0.23) raw = `${"[".repeat(5000)}${"]".repeat(5000)}`;
  const contentType =
    random() < 0.9
      ? "application/json"
      : pick(random, ["application/json; charset=utf-8", "application/xml", "application/JSON"]);
  const keyRoll = random();
  const key = keyRoll < 0.05 ? "wrong-key" : keyRoll < 0.08 ? PAUSED_SOURCE_KEY : undefined;
  return { path, raw, contentType, ...(key === undefined ? {} : { key }) };
}

/** One random change: a value replaced, a key removed or added, at the top level or in the lead. */
function mutate(random: Random, body: Record<string, unknown>): void {
  const lead = body.lead;
  const target =
    random() < 0.7 && typeof lead === "object" && lead !== null && !Array.isArray(lead)
      ? (lead as Record<string, unknown>)
      : body;
  const keys = Object.keys(target);
  const roll = random();
  if (roll < 0.55 && keys.length > 0) target[pick(random, keys)] = weirdValue(random);
  else if (roll < 0.8 && keys.length > 0) delete target[pick(random, keys)];
  else
    target[
      pick(random, [
        "email",
        "phone",
        "extra",
        "tmax_ms",
        "test",
        "sub_id",
        "consent",
        "contact_hash",
        "toString",
      ])
    ] = weirdValue(random);
}

/** A fresh copy, so no two places in a body share (or contain) one object. */
function weirdValue(random: Random): unknown {
  return structuredClone(pick(random, WEIRD_VALUES));
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
