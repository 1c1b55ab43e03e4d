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

/** A realtime campaign for the farm buyer of the same name. */
export function realtimeCampaign(
  farm: BuyerFarm,
  buyer: string,
  overrides: Partial<Campaign> = {},
): Campaign {
  const urls = farm.buyers[buyer];
  if (!urls) throw new Error(`no farm buyer ${buyer}`);
  return {
    id: buyer,
    buyer_id: buyer,
    vertical: "personal_injury",
    name: `${buyer} campaign`,
    status: "active",
    filters: [],
    pricing: { type: "realtime" },
    ping: { url: urls.ping, timeout_ms: 300 },
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
  const config =
    configure?.(farm) ??
    ({
      sources: [testSource()],
      buyers: behaviors.map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
      campaigns: behaviors.map((b) => realtimeCampaign(farm, b.name)),
    } satisfies ConfigFile);
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
