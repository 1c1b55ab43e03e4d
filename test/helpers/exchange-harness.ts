// Test harness: simulated buyers in their own process (real HTTP), the exchange in this process (seller and admin calls
// through inject(); it also listens on a real socket, gavel.url, for tests of the wire), on
// the backend GAVEL_TEST_BACKEND names: a real SQLite file in a temporary folder, or its own PostgreSQL schema and
// Redis key prefix.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import type { Campaign, ConfigFile, Source } from "../../src/domain/config-schema.ts";
import type { RetryPolicy } from "../../src/engine/outbox-worker.ts";
import type { BuyerBehavior } from "../../src/sim/buyer-behavior.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { BACKEND, openTestStorage, withTestStorage } from "./test-backend.ts";

export { BACKEND };

export const ADMIN_KEY = "test-admin-key";
export const SOURCE_KEY = "test-source-key";
export const OTHER_SOURCE_KEY = "test-other-source-key";

export interface Harness {
  gavel: RunningGavel;
  farm: BuyerFarm;
  /** The embedded store's folder (on the distributed backend it holds nothing). */
  dataDir: string;
  /** The config file's storage section on the distributed backend (its PostgreSQL schema); undefined embedded. */
  storage: ConfigFile["storage"];
  /** POSTs JSON to the exchange as the test source; returns status and parsed body. */
  call(
    path: string,
    body: unknown,
    options?: { key?: string; rawBody?: string; contentType?: string },
  ): Promise<Reply>;
  admin(method: string, path: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any;
}

/** A realtime campaign's ping timeout unless it says otherwise: where the exchange runs outside startHarness. */
const REALTIME_PING_TIMEOUT_MS = 300;
/**
 * What startHarness gives a campaign at that default, when the configuration sets no deadline of its own. Most files
 * need a buyer's bid, not a fast one: at 300 ms, buyers answering in 5 ms timed out at load ~20 on the 2-core machine,
 * mostly in a file's first, cold auctions, and the lead a test had set up went unsold (engine: lead-sort-api, returns,
 * suppression; realtime: ping-post). A file that tests a timeout sets its own (reports, ping-post's slow buyers,
 * consent) or its own deadline (deadline, admin-alerts, hostile-buyers).
 */
export const HARNESS_PING_TIMEOUT_MS = 2_000;
/** The auction deadline that lets a buyer use it (the default, 800 ms, would cut it short), with room for the answer. */
const HARNESS_TMAX_MS = HARNESS_PING_TIMEOUT_MS + 500;
/** The ping endpoints realtimeCampaign made at that default (not a ping a test passed, even with the same timeout). */
const defaultPings = new WeakSet<object>();

/** A realtime campaign for the farm buyer of the same name. */
export function realtimeCampaign(
  farm: BuyerFarm,
  buyer: string,
  overrides: Partial<Campaign> = {},
): Campaign {
  const urls = farm.buyers[buyer];
  if (!urls) throw new Error(`no farm buyer ${buyer}`);
  const ping = { url: urls.ping, timeout_ms: REALTIME_PING_TIMEOUT_MS };
  defaultPings.add(ping);
  return {
    id: buyer,
    buyer_id: buyer,
    vertical: "personal_injury",
    name: `${buyer} campaign`,
    status: "active",
    filters: [],
    pricing: { type: "realtime" },
    ping,
    post: { url: urls.post, timeout_ms: 1000 },
    ...overrides,
  };
}

export function testSource(overrides: Partial<Source> = {}): Source {
  return {
    id: "src-main",
    name: "Main source",
    status: "live",
    payout: { model: "revenue_share", percent: 80 },
    api_key_sha256: sha256Hex(SOURCE_KEY),
    ...overrides,
  };
}

/**
 * Starts buyers and an exchange. `configure` receives the running farm (for its URLs) and returns the config file;
 * by default every buyer gets a realtime personal-injury campaign and there is one live source.
 */
export async function startHarness(
  behaviors: BuyerBehavior[],
  configure?: (farm: BuyerFarm) => ConfigFile,
  options: {
    dataDir?: string;
    now?: () => number;
    outboxRetry?: RetryPolicy;
    /**
     * Where the simulated buyers run: in a child process of their own (the default), or on HTTP servers in this
     * process. Here the exchange runs in this process too, so in-process buyers share its event loop: their answers
     * then compete with the exchange's own work for the realtime campaigns' 300 ms ping timeout (tried as the default:
     * engine/buyer-api lost a sale to a timeout on a loaded machine, and saved no measurable CPU).
     */
    farm?: "in-process" | "process";
  } = {},
): Promise<Harness> {
  const storage = await openTestStorage();
  const farm = await startBuyerFarm(behaviors, { inProcess: options.farm === "in-process" });
  const config = withHarnessDeadline(
    configure?.(farm) ??
      ({
        sources: [testSource()],
        buyers: behaviors.map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
        campaigns: behaviors.map((b) => realtimeCampaign(farm, b.name)),
      } satisfies ConfigFile),
  );
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gavel-test-"));
  const cleanUp = async () => {
    await farm.stop();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    await storage.dispose();
  };
  let gavel: RunningGavel | undefined;
  try {
    gavel = await startGavel({
      config: withTestStorage(config, storage),
      dataDir,
      port: 0,
      adminKey: ADMIN_KEY,
      logLevel: "silent",
      ...(options.now ? { now: options.now } : {}),
      ...(options.outboxRetry ? { outboxRetry: options.outboxRetry } : {}),
    });
    await storage.assertInUse();
  } catch (error) {
    await gavel?.close();
    await cleanUp();
    throw error;
  }
  // In process (fastify's inject): the HTTP layer, hooks and serialisation run as they do for a socket, without one.
  // Tests about the wire itself (slow clients, oversized bodies, keep-alive) use gavel.url.
  const request = async (
    method: string,
    path: string,
    key: string,
    body?: unknown,
    raw?: string,
    contentType?: string,
  ) => {
    const response = await gavel.inject({
      method: method as "GET",
      url: path,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined || raw !== undefined
          ? { "content-type": contentType ?? "application/json" }
          : {}),
      },
      ...(raw !== undefined ? { payload: raw } : body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    const text = response.body;
    return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
  };
  return {
    gavel,
    farm,
    dataDir,
    storage: storage.storage,
    call: (path, body, opts = {}) =>
      request("POST", path, opts.key ?? SOURCE_KEY, body, opts.rawBody, opts.contentType),
    admin: (method, path, body) => request(method, path, ADMIN_KEY, body),
    async close() {
      try {
        await gavel.close();
      } finally {
        await cleanUp();
      }
    },
  };
}

/**
 * Unless the configuration sets a deadline of its own: HARNESS_TMAX_MS as its deadline, and HARNESS_PING_TIMEOUT_MS
 * for each campaign realtimeCampaign gave its default ping timeout.
 */
function withHarnessDeadline(config: ConfigFile): ConfigFile {
  const settings = config.settings ?? {};
  if (settings.default_tmax_ms !== undefined || settings.max_tmax_ms !== undefined) return config;
  return {
    ...config,
    settings: { ...settings, default_tmax_ms: HARNESS_TMAX_MS, max_tmax_ms: HARNESS_TMAX_MS },
    ...(config.campaigns && {
      campaigns: config.campaigns.map((campaign) =>
        campaign.ping && defaultPings.has(campaign.ping)
          ? { ...campaign, ping: { ...campaign.ping, timeout_ms: HARNESS_PING_TIMEOUT_MS } }
          : campaign,
      ),
    }),
  };
}

/** A valid personal-injury lead: the ping part and the full lead. */
export function personalInjuryLead(overrides: Record<string, unknown> = {}) {
  const ping = {
    injury_type: "fracture",
    injury_severity: 7,
    zip: "90210",
    city: "Beverly Hills",
    state: "CA",
    crash_type: "rear_end",
    liability: "clear",
    property_damage: "moderate",
    insured: true,
    other_party_insured: true,
    days_since_accident: 12,
    consent_verified: true,
    ...overrides,
  };
  const full = {
    ...ping,
    first_name: "Jordan",
    last_name: "Rivera",
    phone: "(212) 555-0147",
    email: "Jordan.Rivera@example.com",
    accident_narrative: "Stopped at a light on Elm Street when a truck hit us from behind.",
    injury_description: "Broken wrist",
    insurance_company: "Acme Mutual",
  };
  return {
    ping,
    full,
    consent: {
      trustedform_cert_url: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
    },
  };
}

/** A buyer that bids `price` after `latencyMs` and accepts every post. */
export function bidder(name: string, price: number, overrides: Partial<BuyerBehavior> = {}): BuyerBehavior {
  return { name, bidRate: 1, price: [price, price], latencyMs: 5, postAcceptRate: 1, ...overrides };
}
