// A bidder in this process on a real socket, with its own temporary data folder and a clock the test can move.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BidderConfig, checkBidderConfig } from "../../src/bidder/bidder-config.ts";
import { type RunningBidder, type StartBidderOptions, startBidder } from "../../src/bidder/start-bidder.ts";

export const NATIVE_KEY = "native-exchange-key";
export const BOBERDOO_KEY = "boberdoo-exchange-key";
export const LEADSPEDIA_KEY = "leadspedia-exchange-key";
export const LEAD_PROSPER_KEY = "lead-prosper-exchange-key";
export const LEAD_PROSPER_CAMPAIGN = "9001";
export const PX_KEY = "0C2B4B7E-2F4D-4E11-9C8A-3D5E7F9A1B2C";
export const PX_VERTICAL = "PersonalInjury";
export const ADMIN_KEY = "bidder-admin-key";
export const BOBERDOO_LEAD_TYPE = "42";
export const LEADSPEDIA_CAMPAIGN = "17";

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * One native, one boberdoo, one LeadsPedia, one Lead Prosper and one PX exchange; one personal-injury campaign, open always.
 * The own-time bound is generous (5 s) so a loaded machine never turns a test's bid into a deadline no-bid; the
 * deadline tests set it back to 50 ms through `top`.
 */
export function testBidderConfig(
  campaign: Partial<BidderConfig["campaigns"][number]> = {},
  top: Partial<Omit<BidderConfig, "campaigns">> = {},
): BidderConfig {
  const slowMachine = { default_tmax_ms: 10_000 };
  return checkBidderConfig({
    time_zone: "America/New_York",
    max_own_time_ms: 5000,
    exchanges: [
      { id: "gavel", protocol: "native", key_sha256: sha256(NATIVE_KEY), ...slowMachine },
      {
        id: "bob",
        protocol: "boberdoo",
        key_sha256: sha256(BOBERDOO_KEY),
        ...slowMachine,
        inbound: { campaigns: { [BOBERDOO_LEAD_TYPE]: "personal_injury" } },
      },
      {
        id: "lp",
        protocol: "leadspedia",
        key_sha256: sha256(LEADSPEDIA_KEY),
        ...slowMachine,
        inbound: { campaigns: { [LEADSPEDIA_CAMPAIGN]: "personal_injury" } },
      },
      {
        id: "lpx",
        protocol: "lead_prosper",
        key_sha256: sha256(LEAD_PROSPER_KEY),
        ...slowMachine,
        inbound: { campaigns: { [LEAD_PROSPER_CAMPAIGN]: "personal_injury" } },
      },
      {
        id: "px",
        protocol: "px",
        key_sha256: sha256(PX_KEY),
        ...slowMachine,
        inbound: { campaigns: { [PX_VERTICAL]: "personal_injury" } },
      },
    ],
    campaigns: [
      {
        id: "pi",
        vertical: "personal_injury",
        cost_per_case_target: 3000,
        conversion_rate: 0.1,
        price_rules: [
          { name: "severe", when: { field: "injury_severity", op: "gte", value: 7 }, price: 250 },
          { name: "minor", when: { field: "injury_severity", op: "lte", value: 3 }, price: 80 },
        ],
        default_price: 150,
        ...campaign,
      },
    ],
    ...top,
  });
}

export interface JsonReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any;
}

export interface TestBidder extends RunningBidder {
  dataDir: string;
  nativePing(body: Record<string, unknown>): Promise<JsonReply>;
  nativePost(body: Record<string, unknown>): Promise<JsonReply>;
  admin(method: string, path: string, body?: unknown): Promise<JsonReply>;
  /** Stops the bidder and removes its data folder. */
  stop(): Promise<void>;
}

export async function startTestBidder(
  config: BidderConfig,
  options: Partial<StartBidderOptions> & { dataDir?: string } = {},
): Promise<TestBidder> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gavel-bidder-"));
  const running = await startBidder({ port: 0, adminKey: ADMIN_KEY, ...options, config, dataDir });
  const json = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(running.url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ...running,
    dataDir,
    nativePing: (body) => json("POST", "/bid/gavel/ping", NATIVE_KEY, body),
    nativePost: (body) => json("POST", "/bid/gavel/post", NATIVE_KEY, body),
    admin: (method, path, body) => json(method, path, ADMIN_KEY, body),
    async stop() {
      try {
        await running.close();
      } finally {
        if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

let consumer = 0;
/** A personal-injury lead with a consumer no other call of this function returns. */
export function uniqueLead(overrides: Record<string, unknown> = {}) {
  consumer += 1;
  const ping = {
    injury_type: "fracture",
    injury_severity: 7,
    zip: "90210",
    state: "CA",
    crash_type: "rear_end",
    liability: "clear",
    insured: true,
    days_since_accident: 12,
    consent_verified: true,
    ...overrides,
  };
  const n = String(consumer).padStart(4, "0");
  const full = {
    ...ping,
    first_name: "Jordan",
    last_name: "Rivera",
    phone: `(212) 555-${n}`,
    email: `consumer${n}.${process.pid}@example.com`,
  };
  return { ping, full };
}
