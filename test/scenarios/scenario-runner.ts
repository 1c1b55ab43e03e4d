// Runs one lifecycle scenario (a JSON fixture in this folder) against the whole exchange in this process: the engine
// started by startGavel on a temporary SQLite file and memory hot state (or, for a scenario marked `distributed`
// under GAVEL_TEST_BACKEND=distributed, its own PostgreSQL schema and Redis prefix), buyers answered by an undici
// MockAgent from the fixture's scripted replies, seller and admin calls through fastify's inject(). No child process,
// no socket to a buyer. The shape follows Prebid Server's exchange/exchangetest: configuration in, bidder replies in,
// expected decisions out. The format is described in test/scenarios/README.md.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MockAgent } from "undici";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import type { Buyer, Campaign, ConfigFile, Source } from "../../src/domain/config-schema.ts";
import type { Vertical } from "../../src/domain/vertical.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { ManualClock, outcomesOf, postAttempts, type TraceLine } from "../helpers/engine-steps.ts";
import { ADMIN_KEY, personalInjuryLead, SOURCE_KEY, testSource } from "../helpers/exchange-harness.ts";
import { type BackendName, openTestStorage, withTestStorage } from "../helpers/test-backend.ts";

/** One buyer answer as it goes on the wire: a status and a JSON body, a connection error, or an answer too late. */
export interface ScriptedReply {
  status?: number;
  body?: unknown;
  /** The connection fails without an answer (undici sees a socket error). */
  error?: "reset";
  /** Never answers: the exchange's own timeout for the request ends it (MockAgent's delay, cleared on abort). */
  hang?: true;
}

/** One fixture file: an exchange (configuration) and the scenarios run on it in order, sharing its state. */
export interface ScenarioFile {
  /** What the file's scenarios have in common, and the rule they check. */
  description: string;
  /** The file also runs under GAVEL_TEST_BACKEND=distributed: its behaviour depends on Redis or PostgreSQL. */
  distributed?: boolean;
  exchange: ExchangeSetup;
  scenarios: Scenario[];
}

export interface ExchangeSetup {
  /** Extra verticals: copies of personal injury with these fields changed (id and routing, typically). */
  verticals?: Partial<Vertical>[];
  /** Sources as overrides of the test source; `key` names the API key (`main`, `other`), hashed into api_key_sha256. */
  sources?: (Partial<Source> & { key?: string })[];
  /** Buyers by id (with the buyer record's fields beyond id, name and status): each gets one realtime campaign of the
   * same id on personal injury, unless `campaigns` overrides it. */
  buyers: Record<string, Partial<Buyer>>;
  /** Campaign overrides by campaign id; a campaign whose id is not a buyer names its buyer in `buyer_id`. */
  campaigns?: (Partial<Campaign> & { id: string })[];
  /** Settings applied through the admin API before the first scenario. */
  settings?: Record<string, unknown>;
  /** The clock starts here (ISO time) instead of now. */
  start_at?: string;
}

export interface Scenario {
  description: string;
  /** How each buyer answers during this scenario; a buyer not named here does not bid (and accepts posts). */
  replies?: Record<string, BuyerScript>;
  steps: Step[];
}

export interface BuyerScript {
  /** Replies to pings, in order; the last one repeats. */
  ping?: ScriptedReply | ScriptedReply[];
  /** Replies to posts, in order; the last one repeats. */
  post?: ScriptedReply | ScriptedReply[];
}

export type Step = (
  | { ping: LeadCall }
  /** Posts the last ping, or the one saved under `ping` by `save_ping_as`. */
  | { post: LeadCall & { ping?: string } }
  | { direct: LeadCall }
  | {
      /**
       * An admin API call. `vertical` and `campaign` build the body the way the exchange setup does (personal injury or
       * a realtime campaign, with these fields changed), so a fixture can save a nearly valid one.
       */
      admin: {
        method: string;
        path: string;
        body?: unknown;
        vertical?: Partial<Vertical>;
        campaign?: Partial<Campaign> & { id: string };
      };
    }
  | { advance_ms: number }
  /**
   * Time passes for the cap holds: the exchange's clock moves, and on the distributed backend, where Redis expires
   * holds by its own clock, the runner also waits that long in real time.
   */
  | { elapse_ms: number }
  /**
   * Waits in real time: only for work the exchange finishes after its reply (a configuration change reaching the
   * counters), where there is nothing to poll through the API. Keep it short; prefer `advance_ms`.
   */
  | { wait_ms: number }
) & {
  /** A ping step keeps its ping id under this name, for a later post step's `ping`. */
  save_ping_as?: string;
  /** Sends the step's call this many times, concurrently. */
  repeat?: number;
  /** At most this many of the repeated calls in flight at once (default all). */
  in_flight?: number;
  expect?: Expectation;
};

export interface LeadCall {
  /** Which source calls, by the key name given in `sources` (default the main source). */
  source?: string;
  /** Fields changed on the personal-injury lead. */
  lead?: Record<string, unknown>;
  /** Top-level request fields (vertical, sub_id…). */
  extra?: Record<string, unknown>;
}

export interface Expectation {
  status?: number;
  /** A subset of the reply's JSON body. */
  body?: Record<string, unknown>;
  /** The buyers that received a ping / a post during this step, sorted. */
  pinged?: string[];
  posted_to?: string[];
  /** campaign → outcome of the ping phase (exactly these campaigns). */
  ping_outcomes?: Record<string, string>;
  /** [campaign, outcome] of the post phase in the order tried. */
  post_attempts?: [string, string][];
  /** A subset of trace lines, by phase and campaign, e.g. {"post:first": {"detail": "duplicate"}}. */
  trace?: Record<string, Record<string, unknown>>;
  /** Like `trace`, with each value a regular expression the field must match. */
  trace_matches?: Record<string, Record<string, string>>;
  /** A subset of the sold lead's record (buyer_id, buyer_price…). */
  lead?: Record<string, unknown>;
  /**
   * The step answered within this many milliseconds: a bound on a hang or a deadline, kept generous (seconds) since
   * the machine may be loaded; the precise outcome is the trace's.
   */
  max_ms?: number;
  /** Every buyer the lead was sold to (exclusive or shared) and the price each pays. */
  sold_to?: Record<string, number>;
  /** How many posts each named buyer received during the step. */
  posts_per_buyer?: Record<string, number>;
  /** Over a repeated step: for a reply price, the range [low, high] of how many replies had it. */
  price_counts?: Record<string, [number, number]>;
  /** How many times each body.status was seen over a repeated step, e.g. {"sold": 50, "unsold": 150}. */
  statuses?: Record<string, number>;
  /** A subset of each posted body, by buyer. */
  post_bodies?: Record<string, Record<string, unknown>>;
}

interface Recorded {
  buyer: string;
  kind: "ping" | "post";
  body: string;
}

const KEYS: Record<string, string> = { main: SOURCE_KEY, other: "test-other-source-key" };
const buyerOrigin = (buyer: string) => `http://${buyer}.buyers.test`;

/** A running exchange for one fixture file; `run` plays one scenario on it. */
export interface ScenarioExchange {
  run(scenario: Scenario): Promise<void>;
  close(): Promise<void>;
}

export async function startScenarioExchange(
  setup: ExchangeSetup,
  backend: BackendName,
): Promise<ScenarioExchange> {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const recorded: Recorded[] = [];
  const scripts = new Map<string, BuyerScript>();
  for (const buyer of Object.keys(setup.buyers))
    interceptBuyer(agent, buyer, () => scripts.get(buyer), recorded);

  const clock = new ManualClock();
  if (setup.start_at) clock.advance(Date.parse(setup.start_at) - Date.now());
  const storage = await openTestStorage(backend);
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-scenario-"));
  const cleanUp = async () => {
    await agent.close();
    rmSync(dataDir, { recursive: true, force: true });
    await storage.dispose();
  };
  let gavel: RunningGavel;
  try {
    gavel = await startGavel({
      config: withTestStorage(configOf(setup), storage),
      dataDir,
      port: 0,
      adminKey: ADMIN_KEY,
      logLevel: "silent",
      now: clock.now,
      buyerDispatcher: agent,
    });
    await storage.assertInUse();
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const call = callerOf(gavel);
  if (setup.settings) {
    const reply = await call("PUT", "/v1/admin/settings", ADMIN_KEY, setup.settings);
    assert.equal(reply.status, 200, `settings: ${JSON.stringify(reply.body)}`);
  }
  return {
    async run(scenario) {
      scripts.clear();
      for (const [buyer, script] of Object.entries(scenario.replies ?? {})) {
        if (!(buyer in setup.buyers)) throw new Error(`replies for ${buyer}, which is not among the buyers`);
        scripts.set(buyer, { ...script });
      }
      const pingIds = new Map<string, string>();
      for (const [index, step] of scenario.steps.entries()) {
        const at = `step ${index + 1} ${JSON.stringify(step).slice(0, 120)}`;
        if ("advance_ms" in step) {
          clock.advance(step.advance_ms);
          continue;
        }
        if ("elapse_ms" in step) {
          clock.advance(step.elapse_ms);
          if (backend === "distributed") await new Promise((resolve) => setTimeout(resolve, step.elapse_ms));
          continue;
        }
        if ("wait_ms" in step) {
          await new Promise((resolve) => setTimeout(resolve, step.wait_ms));
          continue;
        }
        recorded.length = 0;
        const replies: Reply[] = [];
        const started = performance.now();
        // A repeated step sends its calls concurrently (`in_flight` at a time, all by default): concurrency is what caps
        // and funds must withstand.
        const times = step.repeat ?? 1;
        let sent = 0;
        const worker = async () => {
          while (sent < times) {
            sent++;
            replies.push(await sendStep(call, step, pingIds));
          }
        };
        await Promise.all(Array.from({ length: Math.min(step.in_flight ?? times, times) }, worker));
        const elapsedMs = performance.now() - started;
        if (step.expect?.max_ms !== undefined)
          assert.ok(elapsedMs < step.expect.max_ms, `${at}: answered in ${elapsedMs.toFixed(0)} ms`);
        const reply = replies[0]!;
        if ("ping" in step && reply.body?.ping_id) {
          pingIds.set("last", reply.body.ping_id);
          if (step.save_ping_as) pingIds.set(step.save_ping_as, reply.body.ping_id);
        }
        if (step.expect) await check(step.expect, replies, recorded, call, at);
      }
    },
    async close() {
      try {
        await gavel.close();
      } finally {
        await cleanUp();
      }
    },
  };
}

function configOf(setup: ExchangeSetup): ConfigFile {
  const buyers = Object.keys(setup.buyers);
  const overrides = new Map((setup.campaigns ?? []).map((c) => [c.id, c]));
  const campaignIds = [...new Set([...buyers, ...overrides.keys()])];
  return {
    ...(setup.verticals ? { verticals: setup.verticals.map(verticalOf) } : {}),
    sources: (setup.sources ?? [{}]).map(({ key, ...source }, i) =>
      testSource({
        ...(i > 0 ? { id: `src-${i}` } : {}),
        ...(key ? { api_key_sha256: sha256Hex(KEYS[key] ?? key) } : {}),
        ...source,
      }),
    ),
    buyers: buyers.map((id) => ({ id, name: id, status: "active" as const, ...setup.buyers[id] })),
    campaigns: campaignIds.map((id) => campaignOf(overrides.get(id) ?? { id })),
  };
}

/** Personal injury with these fields changed. */
function verticalOf(fields: Partial<Vertical>): Vertical {
  return { ...personalInjury, name: `Personal injury (${fields.id})`, ...fields } as Vertical;
}

/** A realtime personal-injury campaign for the buyer of the same id (or `buyer_id`), with these fields changed. */
function campaignOf(fields: Partial<Campaign> & { id: string }): Campaign {
  const buyer = fields.buyer_id ?? fields.id;
  return {
    buyer_id: buyer,
    vertical: "personal_injury",
    name: `${fields.id} campaign`,
    status: "active",
    filters: [],
    pricing: { type: "realtime" },
    ping: { url: `${buyerOrigin(buyer)}/ping`, timeout_ms: 300 },
    post: { url: `${buyerOrigin(buyer)}/post`, timeout_ms: 1000 },
    ...fields,
  };
}

/** How far each script has been played; a scenario's scripts are fresh objects, so each starts at its first reply. */
const positions = new WeakMap<BuyerScript, Record<"ping" | "post", number>>();
/** Longer than any timeout a scenario sets: a hanging reply is always ended by the exchange aborting the request. */
const HANG_MS = 120_000;

function repliesOf(script: BuyerScript | undefined, kind: "ping" | "post"): ScriptedReply[] {
  const fallback = kind === "ping" ? { body: { bid: false } } : { body: { accepted: true } };
  return [script?.[kind] ?? fallback].flat();
}

function positionOf(script: BuyerScript | undefined): Record<"ping" | "post", number> {
  if (!script) return { ping: 0, post: 0 };
  const position = positions.get(script) ?? { ping: 0, post: 0 };
  positions.set(script, position);
  return position;
}

/** The reply the next request of this kind gets, without using it up. */
function peekReply(script: BuyerScript | undefined, kind: "ping" | "post"): ScriptedReply {
  const replies = repliesOf(script, kind);
  return replies[Math.min(positionOf(script)[kind], replies.length - 1)]!;
}

function takeReply(script: BuyerScript | undefined, kind: "ping" | "post"): ScriptedReply {
  const reply = peekReply(script, kind);
  positionOf(script)[kind]++;
  return reply;
}

/**
 * Intercepts the buyer's ping and post paths for good, answering each request from the current scenario's script.
 * Two interceptors per path, chosen by a path predicate that peeks at the next reply: a hang goes to one whose
 * MockAgent delay the request's abort cancels (a reply function's own wait would not be cancelled), every other reply
 * to a reply function.
 */
function interceptBuyer(
  agent: MockAgent,
  buyer: string,
  script: () => BuyerScript | undefined,
  recorded: Recorded[],
): void {
  const pool = agent.get(buyerOrigin(buyer));
  for (const kind of ["ping", "post"] as const) {
    const hangs = () => peekReply(script(), kind).hang === true;
    pool
      .intercept({
        path: (path) => path === `/${kind}` && hangs(),
        method: "POST",
        // The body matcher runs once the path matched: the one place to record a request that gets no reply function.
        body: (body) => {
          recorded.push({ buyer, kind, body });
          takeReply(script(), kind);
          return true;
        },
      })
      .reply(200, "")
      .delay(HANG_MS)
      .persist();
    pool
      .intercept({ path: (path) => path === `/${kind}` && !hangs(), method: "POST" })
      .reply((request) => {
        recorded.push({ buyer, kind, body: String(request.body) });
        const reply = takeReply(script(), kind);
        // Thrown here, undici hands the client a socket error, as a buyer dropping the connection would.
        if (reply.error) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        return {
          statusCode: reply.status ?? 200,
          data: reply.body === undefined ? "" : JSON.stringify(reply.body),
        };
      })
      .persist();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the exchange's replies are read as JSON
type Reply = { status: number; body: any };

type Caller = (method: string, path: string, key: string, body?: unknown) => Promise<Reply>;

function callerOf(gavel: RunningGavel): Caller {
  return async (method, path, key, body) => {
    const response = await gavel.inject({
      method: method as "GET",
      url: path,
      headers: { authorization: `Bearer ${key}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };
}

function sendStep(call: Caller, step: Step, pingIds: ReadonlyMap<string, string>) {
  if ("admin" in step) {
    const { method, path, body, vertical, campaign } = step.admin;
    const built = vertical ? verticalOf(vertical) : campaign ? campaignOf(campaign) : body;
    return call(method, path, ADMIN_KEY, built);
  }
  const lead = personalInjuryLead();
  const request =
    "ping" in step ? step.ping : "post" in step ? step.post : "direct" in step ? step.direct : {};
  const key = KEYS[request.source ?? "main"] ?? request.source!;
  const ping = { ...lead.ping, ...request.lead };
  const full = { ...lead.full, ...request.lead };
  if ("ping" in step)
    return call("POST", "/v1/ping", key, { vertical: "personal_injury", lead: ping, ...request.extra });
  if ("post" in step) {
    const pingId = pingIds.get(step.post.ping ?? "last");
    if (!pingId) throw new Error(`no ping ${step.post.ping ?? "before this post step"}`);
    return call("POST", "/v1/post", key, {
      ping_id: pingId,
      lead: full,
      consent: lead.consent,
      ...request.extra,
    });
  }
  return call("POST", "/v1/leads", key, {
    vertical: "personal_injury",
    lead: full,
    consent: lead.consent,
    ...request.extra,
  });
}

async function check(
  expect: Expectation,
  replies: Reply[],
  recorded: Recorded[],
  call: Caller,
  at: string,
): Promise<void> {
  const reply = replies[0]!;
  if (expect.status !== undefined) {
    const other = replies.find((r) => r.status !== expect.status);
    assert.equal(other, undefined, `${at}: a reply was not ${expect.status}: ${JSON.stringify(other)}`);
  }
  for (const [buyer, count] of Object.entries(expect.posts_per_buyer ?? {})) {
    const posts = recorded.filter((r) => r.kind === "post" && r.buyer === buyer).length;
    assert.equal(posts, count, `${at}: posts to ${buyer}`);
  }
  if (expect.price_counts) {
    for (const [price, [low, high]] of Object.entries(expect.price_counts)) {
      const count = replies.filter((r) => String(r.body?.price) === price).length;
      assert.ok(
        count >= low && count <= high,
        `${at}: ${count} replies at price ${price}, not in ${low}..${high}`,
      );
    }
  }
  if (expect.statuses) {
    const seen: Record<string, number> = {};
    for (const r of replies) seen[r.body?.status] = (seen[r.body?.status] ?? 0) + 1;
    assert.deepEqual(seen, expect.statuses, `${at}: statuses`);
  }
  // Over a repeated step only the counts above are meaningful; the checks below read one reply.
  if (replies.length > 1) return;
  if (expect.status !== undefined)
    assert.equal(reply.status, expect.status, `${at}: ${JSON.stringify(reply.body)}`);
  if (expect.body) assertSubset(reply.body, expect.body, `${at}: body`);
  const receivers = (kind: Recorded["kind"]) => [
    ...new Set(recorded.filter((r) => r.kind === kind).map((r) => r.buyer)),
  ];
  if (expect.pinged) assert.deepEqual(receivers("ping").sort(), expect.pinged, `${at}: pinged`);
  if (expect.posted_to) assert.deepEqual(receivers("post").sort(), expect.posted_to, `${at}: posted to`);
  if (expect.post_bodies) {
    for (const [buyer, subset] of Object.entries(expect.post_bodies)) {
      const post = recorded.find((r) => r.kind === "post" && r.buyer === buyer);
      assert.ok(post, `${at}: ${buyer} received no post`);
      assertSubset(JSON.parse(post.body), subset, `${at}: post to ${buyer}`);
    }
  }
  if (
    !(
      expect.ping_outcomes ||
      expect.post_attempts ||
      expect.trace ||
      expect.trace_matches ||
      expect.lead ||
      expect.sold_to
    )
  )
    return;
  const { trace, lead } = await traceOf(call, reply.body, at);
  if (expect.ping_outcomes)
    assert.deepEqual(outcomesOf(trace, "ping"), expect.ping_outcomes, `${at}: ping trace`);
  if (expect.post_attempts)
    assert.deepEqual(postAttempts(trace), expect.post_attempts, `${at}: post attempts`);
  for (const [where, subset] of Object.entries(expect.trace ?? {})) {
    const [phase, campaign] = where.split(":");
    const line = trace.find((l) => l.phase === phase && l.campaign_id === campaign);
    assert.ok(line, `${at}: no ${where} line in ${JSON.stringify(trace)}`);
    assertSubset(line, subset, `${at}: trace ${where}`);
  }
  for (const [where, patterns] of Object.entries(expect.trace_matches ?? {})) {
    const [phase, campaign] = where.split(":");
    const line = trace.find((l) => l.phase === phase && l.campaign_id === campaign) as
      | Record<string, unknown>
      | undefined;
    assert.ok(line, `${at}: no ${where} line in ${JSON.stringify(trace)}`);
    for (const [field, pattern] of Object.entries(patterns))
      assert.match(String(line[field] ?? ""), new RegExp(pattern), `${at}: trace ${where}.${field}`);
  }
  if (expect.lead) assertSubset(lead, expect.lead, `${at}: lead`);
  if (expect.sold_to) assert.deepEqual(soldTo(lead), expect.sold_to, `${at}: sold to`);
}

async function traceOf(
  call: Caller,
  body: Reply["body"],
  at: string,
): Promise<{ trace: TraceLine[]; lead: unknown }> {
  const path = body?.lead_id ? `/v1/admin/leads/${body.lead_id}` : `/v1/admin/pings/${body?.ping_id}`;
  const reply = await call("GET", path, ADMIN_KEY);
  assert.equal(reply.status, 200, `${at}: GET ${path}: ${JSON.stringify(reply.body)}`);
  return { trace: reply.body.trace, lead: reply.body.lead };
}

interface SoldLead {
  buyer_id?: string;
  buyer_price?: number;
  shares?: { buyer_id: string; buyer_price: number }[];
}

/** buyer → price over the lead's buyer and its shares. */
function soldTo(lead: unknown): Record<string, number> {
  const { buyer_id, buyer_price, shares = [] } = (lead ?? {}) as SoldLead;
  const sales = buyer_id === undefined ? shares : [{ buyer_id, buyer_price: buyer_price! }, ...shares];
  return Object.fromEntries(sales.map((s) => [s.buyer_id, s.buyer_price]).sort());
}

/** Every field in `expected` equals the one in `actual` (recursively for objects; arrays compared whole). */
function assertSubset(actual: unknown, expected: unknown, at: string): void {
  if (expected && typeof expected === "object" && !Array.isArray(expected)) {
    assert.ok(
      actual && typeof actual === "object",
      `${at}: expected an object, got ${JSON.stringify(actual)}`,
    );
    for (const [key, value] of Object.entries(expected)) {
      // null in a fixture means "absent" (JSON cannot say undefined).
      if (value === null)
        assert.equal((actual as Record<string, unknown>)[key] ?? null, null, `${at}.${key}`);
      else assertSubset((actual as Record<string, unknown>)[key], value, `${at}.${key}`);
    }
    return;
  }
  assert.deepEqual(actual, expected, at);
}
