// Steps shared by the engine tests: seller calls, decision traces, and what the simulated buyers received.
import type { RecordedRequest } from "../../src/sim/buyer-farm-client.ts";
import { type Harness, personalInjuryLead, type Reply } from "./exchange-harness.ts";

export const VERTICAL = "personal_injury";

/** One line of a decision trace, as the admin API shows it. */
export interface TraceLine {
  phase: "ping" | "post";
  campaign_id: string;
  buyer_id: string;
  outcome: string;
  code: number;
  bid?: number;
  latency_ms?: number;
  detail?: string;
  at: string;
}

type Lead = ReturnType<typeof personalInjuryLead>;

/** Pings the personal-injury lead's non-PII part. */
export function sendPing(
  h: Harness,
  options: { lead?: Lead; extra?: Record<string, unknown>; key?: string } = {},
): Promise<Reply> {
  const lead = options.lead ?? personalInjuryLead();
  return h.call(
    "/v1/ping",
    { vertical: VERTICAL, lead: lead.ping, ...options.extra },
    options.key === undefined ? {} : { key: options.key },
  );
}

/** Posts the full lead (with consent) for a ping. */
export function sendPost(
  h: Harness,
  pingId: string,
  options: { lead?: Lead; key?: string } = {},
): Promise<Reply> {
  const lead = options.lead ?? personalInjuryLead();
  return h.call(
    "/v1/post",
    { ping_id: pingId, lead: lead.full, consent: lead.consent },
    options.key === undefined ? {} : { key: options.key },
  );
}

/** Direct post: the full lead in one call. */
export function sendDirect(
  h: Harness,
  options: { lead?: Lead; extra?: Record<string, unknown>; key?: string } = {},
): Promise<Reply> {
  const lead = options.lead ?? personalInjuryLead();
  return h.call(
    "/v1/leads",
    { vertical: VERTICAL, lead: lead.full, consent: lead.consent, ...options.extra },
    options.key === undefined ? {} : { key: options.key },
  );
}

export async function leadWithTrace(
  h: Harness,
  leadId: string,
  // biome-ignore lint/suspicious/noExplicitAny: the admin API's lead record is read as JSON
): Promise<{ lead: any; quality?: any; trace: TraceLine[] }> {
  const reply = await h.admin("GET", `/v1/admin/leads/${leadId}`);
  if (reply.status !== 200)
    throw new Error(`GET lead ${leadId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function pingWithTrace(
  h: Harness,
  pingId: string,
  // biome-ignore lint/suspicious/noExplicitAny: the admin API's ping record is read as JSON
): Promise<{ ping: any; lead_id: string | null; trace: TraceLine[] }> {
  const reply = await h.admin("GET", `/v1/admin/pings/${pingId}`);
  if (reply.status !== 200)
    throw new Error(`GET ping ${pingId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** The one trace line of a campaign in a phase; throws when there is none or more than one. */
export function lineOf(
  trace: readonly TraceLine[],
  phase: TraceLine["phase"],
  campaignId: string,
): TraceLine {
  const lines = trace.filter((line) => line.phase === phase && line.campaign_id === campaignId);
  if (lines.length !== 1) {
    throw new Error(
      `expected one ${phase} line for ${campaignId}, found ${lines.length}: ${JSON.stringify(trace)}`,
    );
  }
  return lines[0]!;
}

/** campaign → outcome for one phase, in trace order: compact to assert with deepEqual. */
export function outcomesOf(trace: readonly TraceLine[], phase: TraceLine["phase"]): Record<string, string> {
  return Object.fromEntries(trace.filter((l) => l.phase === phase).map((l) => [l.campaign_id, l.outcome]));
}

/** [campaign, outcome] pairs of the post phase, in the order the exchange tried them. */
export function postAttempts(trace: readonly TraceLine[]): [string, string][] {
  return trace.filter((l) => l.phase === "post").map((l) => [l.campaign_id, l.outcome]);
}

/** Every request the farm's buyers received for one auction (pings and posts carry its id as request_id). */
export async function requestsFor(h: Harness, auctionId: string): Promise<RecordedRequest[]> {
  return (await h.farm.requests()).filter((r) => requestIdOf(r) === auctionId);
}

/** The buyers that received a request of this kind, sorted. */
export function receivers(requests: readonly RecordedRequest[], kind: RecordedRequest["kind"]): string[] {
  return requests
    .filter((r) => r.kind === kind)
    .map((r) => r.buyer)
    .sort();
}

export function requestIdOf(request: RecordedRequest): string | undefined {
  try {
    return (JSON.parse(request.body) as { request_id?: string }).request_id;
  } catch {
    return undefined;
  }
}

/** A wall clock the test can move forward: pass `clock.now` as the harness's `now`. */
export class ManualClock {
  #offsetMs = 0;
  readonly now = (): number => Date.now() + this.#offsetMs;
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}
