// The benchmark's market: instant buyers that always bid, one source, one realtime campaign per buyer. Buyers cost
// nothing so that what is measured is the exchange's own work per ping.
import { createHash, randomBytes } from "node:crypto";
import type { ConfigFile } from "../domain/config-schema.ts";
import { personalInjury } from "../domain/verticals/personal-injury.ts";
import type { BuyerBehavior } from "./buyer-behavior.ts";
import type { BuyerUrls } from "./buyer-farm-protocol.ts";
import { generateLead, pingPart } from "./lead-generator.ts";
import { seededRandom } from "./random.ts";

export const BENCH_VERTICAL = "personal_injury";

export function instantBuyers(count: number): BuyerBehavior[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `bench-buyer-${i + 1}`,
    bidRate: 1,
    price: [10, 50],
    latencyMs: 0,
    postAcceptRate: 1,
  }));
}

export interface BenchSetup {
  config: ConfigFile;
  sourceKey: string;
}

/**
 * `simple`: one plain campaign per buyer. `rules-5`: one campaign per buyer, each with every rule below (issue 14's
 * "5 buyers, every rule on"). `rules`: 20 campaigns spread over the buyers, each with a rule (filters and
 * combinations), a schedule open around the clock, lead and spend caps and a ping throttle; the vertical's
 * system-wide duplicate check and each buyer's own are on, and every ping carries contact hashes, so each ping pays
 * for the duplicate lookups too. All set so none of them excludes a benchmark lead, so every ping pays for evaluating
 * and reserving them (issue 4's benchmark).
 */
export type BenchMarket = "simple" | "rules" | "rules-5";
export const BENCH_MARKETS: readonly BenchMarket[] = ["simple", "rules", "rules-5"];

export function buildBenchConfig(
  farmBuyers: Record<string, BuyerUrls>,
  market: BenchMarket = "simple",
): BenchSetup {
  const sourceKey = `gvl_bench_${randomBytes(16).toString("hex")}`;
  const buyerNames = Object.keys(farmBuyers);
  const config: ConfigFile = {
    sources: [
      {
        id: "bench-source",
        name: "Benchmark source",
        status: "live",
        payout: { model: "revenue_share", percent: 80 },
        api_key_sha256: createHash("sha256").update(sourceKey).digest("hex"),
      },
    ],
    buyers: buyerNames.map((name) => ({
      id: name,
      name,
      status: "active",
      ...(market !== "simple"
        ? { caps: { time_zone: "America/New_York", spend: { month: 10_000_000 } }, dedupe_days: 30 }
        : {}),
    })),
    ...(market !== "simple"
      ? { verticals: [{ ...personalInjury, dedupe: { lookback_days: 30, match: ["email", "phone"] } }] }
      : {}),
    campaigns:
      market !== "simple"
        ? ruleCampaigns(farmBuyers, market === "rules" ? 20 : buyerNames.length)
        : buyerNames.map((name) => ({
            id: `${name}-pi`,
            buyer_id: name,
            vertical: BENCH_VERTICAL,
            name: `${name} personal injury`,
            status: "active",
            filters: [],
            pricing: { type: "realtime" },
            ping: { url: farmBuyers[name]!.ping, timeout_ms: 300 },
            post: { url: farmBuyers[name]!.post, timeout_ms: 2000 },
          })),
  };
  return { config, sourceKey };
}

const ALL_DAY: [string, string][] = [["00:00", "24:00"]];

function ruleCampaigns(
  farmBuyers: Record<string, BuyerUrls>,
  count: number,
): NonNullable<ConfigFile["campaigns"]> {
  const buyerNames = Object.keys(farmBuyers);
  return Array.from({ length: count }, (_, i) => {
    const name = buyerNames[i % buyerNames.length]!;
    return {
      id: `${name}-rules-${i + 1}`,
      buyer_id: name,
      vertical: BENCH_VERTICAL,
      name: `${name} rules ${i + 1}`,
      status: "active" as const,
      filters: [{ field: "injury_severity", op: "between" as const, value: [1, 10] as [number, number] }],
      rules: {
        all: [
          { field: "liability", op: "in", value: ["clear", "unclear", "disputed"] },
          { any: [{ field: "zip", op: "exists" }, { not: { field: "state", op: "eq", value: "GU" } }] },
          { field: "days_since_accident", op: "lte", value: 3650 },
        ],
      },
      schedule: {
        time_zone: "America/Chicago",
        weekly: {
          mon: ALL_DAY,
          tue: ALL_DAY,
          wed: ALL_DAY,
          thu: ALL_DAY,
          fri: ALL_DAY,
          sat: ALL_DAY,
          sun: ALL_DAY,
        },
      },
      caps: {
        time_zone: "America/New_York",
        leads: { hour: 10_000_000, day: 10_000_000 },
        spend: { day: 10_000_000 },
      },
      max_pings_per_minute: 1_000_000,
      pricing: { type: "realtime" as const },
      ping: { url: farmBuyers[name]!.ping, timeout_ms: 300 },
      post: { url: farmBuyers[name]!.post, timeout_ms: 2000 },
    };
  });
}

/**
 * The same configuration with lead validation on in its vertical: every check a ping can run (ZIP and state, form
 * timing when a ping carries form times, velocity over its contact hashes), thresholds set so no benchmark lead is
 * refused or scored down (500 bodies in turn repeat each consumer a few times a second).
 */
export function withValidation(config: ConfigFile): ConfigFile {
  const verticals = config.verticals ?? [personalInjury];
  return {
    ...config,
    verticals: verticals.map((vertical) => ({
      ...vertical,
      validation: {
        min_quality_score: 50,
        min_form_seconds: 2,
        max_lead_age_seconds: 86_400,
        velocity: { max: 10_000, window_seconds: 60 },
      },
    })),
  };
}

/** Valid ping bodies for the seller API, varied like real traffic and encoded once, before the clock starts. */
export function benchPingBodies(market: BenchMarket = "simple", count = 500): string[] {
  const random = seededRandom(2024);
  return Array.from({ length: count }, () => {
    const { lead } = generateLead(BENCH_VERTICAL, random);
    return JSON.stringify({
      vertical: BENCH_VERTICAL,
      lead: pingPart(BENCH_VERTICAL, lead),
      // Hashes of this body's own consumer: unseen, as most are, so every duplicate lookup runs and misses.
      ...(market !== "simple"
        ? {
            contact_hash: {
              email_sha256: sha256(String(lead.email).trim().toLowerCase()),
              phone_sha256: sha256(String(lead.phone)),
            },
          }
        : {}),
    });
  });
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Direct-post bodies (`POST /v1/leads`): varied generated leads whose email and phone are placeholders the wrk script
 * fills per request (`@N@`, `@PHONE@`: bench/wrk/post-bodies.lua), so every lead is a consumer never seen before and
 * every sale adds to the duplicate windows and caps, as real traffic does.
 */
export function benchDirectPostBodies(count = 200): string[] {
  return Array.from({ length: count }, (_, i) => {
    const { lead, consent } = generateLead(BENCH_VERTICAL, seededRandom(7000 + i));
    const templated = { ...lead, email: "bench.@N@@example.com", phone: "@PHONE@" };
    return JSON.stringify({ vertical: BENCH_VERTICAL, lead: templated, consent });
  });
}

/** Separates a pair's ping template from its post template on a line of the bodies file (JSON escapes every tab). */
export const PAIR_SEPARATOR = "\t";

/**
 * Ping→post pairs (`POST /v1/ping`, then `POST /v1/post` for a ping that got a bid), as a seller that pings first
 * sends them: one line per pair, the ping's template and the post's, separated by PAIR_SEPARATOR. The wrk script fills
 * them per pair (bench/wrk/post-bodies.lua): a consumer never seen before (`@N@`, `@PHONE@` in the post's full lead),
 * the ping's contact hashes of that consumer (`@EMAIL_SHA256@`, `@PHONE_SHA256@`: sha256 of the e-mail and of the
 * 10-digit phone, as docs/api.md asks; not in the `simple` market, whose pings carry none, as benchPingBodies), and
 * the post's `@PING_ID@` from the ping's answer. The post's lead is the ping's lead with the PII added, so its
 * non-PII fields equal the ping's.
 */
export function benchPairBodies(market: BenchMarket = "simple", count = 200): string[] {
  return Array.from({ length: count }, (_, i) => {
    const { lead, consent } = generateLead(BENCH_VERTICAL, seededRandom(9000 + i));
    const ping = JSON.stringify({
      vertical: BENCH_VERTICAL,
      lead: pingPart(BENCH_VERTICAL, lead),
      ...(market !== "simple"
        ? { contact_hash: { email_sha256: "@EMAIL_SHA256@", phone_sha256: "@PHONE_SHA256@" } }
        : {}),
    });
    const post = JSON.stringify({
      ping_id: "@PING_ID@",
      lead: { ...lead, email: "bench.@N@@example.com", phone: "@PHONE@" },
      consent,
    });
    return `${ping}${PAIR_SEPARATOR}${post}`;
  });
}
