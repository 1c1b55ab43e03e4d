// Simulated sources: sends generated leads to the exchange's seller API at a target rate, some as ping → post,
// some as direct posts, and reports what happened to each lead.
import { createHash } from "node:crypto";
import { Pool } from "undici";
import type { LeadValues } from "../domain/vertical.ts";
import { generateLead, pingPart } from "./lead-generator.ts";
import { runAtRate } from "./pacer.ts";
import { pick, type Random } from "./random.ts";

export interface SimSource {
  id: string;
  /** The plain API key (the exchange's config holds only its sha256). */
  apiKey: string;
  /** Verticals this source sends. */
  verticals: string[];
  /** Share (0..1) of its leads sent as one direct post rather than ping → post. */
  directShare: number;
}

/** What became of one lead, as the source saw it. */
export interface LeadResult {
  source: string;
  vertical: string;
  mode: "ping_post" | "direct";
  /** `no_bid`: the ping found no buyer, so nothing was posted. `error`: the exchange refused or could not be reached. */
  status: "sold" | "unsold" | "no_bid" | "error";
  /** How the exchange answered the ping (ping → post only; absent when the ping itself failed). */
  pingStatus?: "bid" | "no_bid";
  /** What the source is paid, in cents (0 unless sold). */
  priceCents: number;
  /** Seller-visible latency of each call, in milliseconds. */
  pingMs?: number;
  postMs?: number;
  directMs?: number;
  /** The exchange's reason for unsold or no-bid, or the error code. */
  reason?: string;
}

export interface SourceSimOptions {
  exchangeUrl: string;
  sources: SimSource[];
  /** Leads per second, across all sources. */
  ratePerSecond: number;
  signal: AbortSignal;
  onLead(result: LeadResult): void;
  random?: Random;
  /** Leads in flight beyond this are not sent but reported as errors ("client_backlog"), so a stalled exchange
   *  shows up in the summary instead of as unbounded memory in the simulator. Default 1000. */
  maxInFlight?: number;
}

/**
 * Runs until `signal` aborts, then lets the leads in flight finish (a source does not hang up mid-auction, and the
 * exchange can then close with no auction running) and closes its connections.
 */
export async function runSourceSimulator(options: SourceSimOptions): Promise<void> {
  const random = options.random ?? Math.random;
  const maxInFlight = options.maxInFlight ?? 1000;
  const client = new SellerApiClient(options.exchangeUrl);
  const inFlight = new Set<Promise<void>>();

  await runAtRate(options.ratePerSecond, options.signal, () => {
    const source = pick(random, options.sources);
    const vertical = pick(random, source.verticals);
    const mode = random() < source.directShare ? "direct" : "ping_post";
    if (inFlight.size >= maxInFlight) {
      options.onLead({
        source: source.id,
        vertical,
        mode,
        status: "error",
        priceCents: 0,
        reason: "client_backlog",
      });
      return;
    }
    const sending = sendLead(client, source, vertical, mode, random)
      .then(options.onLead)
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  });
  await Promise.allSettled(inFlight);
  await client.close();
}

async function sendLead(
  client: SellerApiClient,
  source: SimSource,
  vertical: string,
  mode: LeadResult["mode"],
  random: Random,
): Promise<LeadResult> {
  const { lead, consent } = generateLead(vertical, random);
  const result: LeadResult = { source: source.id, vertical, mode, status: "error", priceCents: 0 };
  try {
    if (mode === "direct") {
      const direct = await client.call(source.apiKey, "/v1/leads", { vertical, lead, consent });
      result.directMs = direct.ms;
      return settle(result, direct);
    }
    const ping = await client.call(source.apiKey, "/v1/ping", {
      vertical,
      lead: pingPart(vertical, lead),
      contact_hash: contactHash(lead),
    });
    result.pingMs = ping.ms;
    if (!ping.ok) return settle(result, ping);
    result.pingStatus = ping.body["status"] === "bid" ? "bid" : "no_bid";
    if (result.pingStatus === "no_bid") {
      result.status = "no_bid";
      result.reason = stringOr(ping.body["reason"], "no_bid");
      return result;
    }
    const post = await client.call(source.apiKey, "/v1/post", {
      ping_id: ping.body["ping_id"],
      lead,
      consent,
    });
    result.postMs = post.ms;
    return settle(result, post);
  } catch (error) {
    result.reason = (error as { code?: string }).code ?? "network_error";
    return result;
  }
}

/** Fills the outcome of a post or direct post answer. */
function settle(result: LeadResult, answer: ApiAnswer): LeadResult {
  if (!answer.ok) {
    result.reason = stringOr(
      (answer.body["error"] as { code?: unknown } | undefined)?.code,
      `http_${answer.status}`,
    );
    return result;
  }
  result.status = answer.body["status"] === "sold" ? "sold" : "unsold";
  if (result.status === "sold") result.priceCents = Math.round(Number(answer.body["price"]) * 100);
  else result.reason = stringOr(answer.body["reason"], "unsold");
  return result;
}

/**
 * Hashes of the normalised contact details, which a seller may send on a ping so the exchange can spot
 * duplicates without seeing the contact (DESIGN rule 1).
 */
function contactHash(lead: LeadValues): { email_sha256?: string; phone_sha256?: string } {
  const hash = (value: string) => createHash("sha256").update(value).digest("hex");
  return {
    ...(typeof lead["email"] === "string" && { email_sha256: hash(lead["email"].trim().toLowerCase()) }),
    ...(typeof lead["phone"] === "string" && { phone_sha256: hash(lead["phone"]) }),
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

interface ApiAnswer {
  ok: boolean;
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

/** A keep-alive connection pool to the exchange, speaking the seller API. */
class SellerApiClient {
  readonly #pool: Pool;

  constructor(exchangeUrl: string) {
    this.#pool = new Pool(exchangeUrl, { connections: 64, headersTimeout: 20_000, bodyTimeout: 20_000 });
  }

  async call(apiKey: string, path: string, payload: unknown): Promise<ApiAnswer> {
    const started = performance.now();
    const response = await this.#pool.request({
      method: "POST",
      path,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    const text = await response.body.text();
    const ms = performance.now() - started;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // A non-JSON answer is reported through its status code.
    }
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      body,
      ms,
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
