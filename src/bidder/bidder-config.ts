// The bidder's configuration file: what a buyer (a law firm, an agency) reads and changes to decide which leads it
// bids on and what it pays. Declared once as a TypeBox schema; the meaning beyond the shape (rules against the
// vertical's fields, schedules, the cost-per-case discipline) is checked in checkBidderConfig, which names the path
// of the first problem. Reuses the exchange's rule language and schedules, so a rule reads the same on both sides.
import { readFileSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { EmailAddress, InboundMappingSchema, SmtpSchema } from "../domain/config-schema.ts";
import { isValidTimeZone } from "../domain/rules/local-time.ts";
import { CAP_PERIODS } from "../domain/rules/periods.ts";
import { RuleSchema, validateRule } from "../domain/rules/rule.ts";
import { validateSchedule } from "../domain/rules/schedule.ts";
import { ScheduleSchema } from "../domain/rules/schedule-schema.ts";
import type { Vertical } from "../domain/vertical.ts";
import { BUILT_IN_VERTICALS } from "../domain/verticals/index.ts";

const Id = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" });
const Sha256Hex = Type.String({ pattern: "^[0-9a-f]{64}$", description: "sha256 hex of the key" });
const Dollars = Type.Number({ exclusiveMinimum: 0, maximum: 100_000 });

export const BIDDER_PROTOCOLS = ["native", "boberdoo", "leadspedia", "lead_prosper", "px"] as const;
export type BidderProtocol = (typeof BIDDER_PROTOCOLS)[number];

const ExchangeSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    /** How this exchange pings: Gavel's native buyer protocol, or a platform's pingPostLead / ping.do shape. */
    protocol: Type.Union(BIDDER_PROTOCOLS.map((protocol) => Type.Literal(protocol))),
    /**
     * sha256 of the key the exchange sends: native `Authorization: Bearer <key>` or `?key=<key>` on the URL (a Gavel
     * campaign's endpoint is only a URL); boberdoo `Key`; LeadsPedia `lp_campaign_key`; Lead Prosper `lp_key`; PX
     * `ApiToken`.
     */
    key_sha256: Sha256Hex,
    /**
     * Their lead type or campaign id (`TYPE`, `lp_campaign_id`) → a vertical, and their field names and value
     * spellings → ours: the same mapping a Gavel source's compatible inbound takes.
     */
    inbound: Type.Optional(InboundMappingSchema),
    /** The exchange's deadline when the ping does not say (`tmax_ms`); boberdoo and LeadsPedia never say. */
    default_tmax_ms: Type.Optional(Type.Integer({ minimum: 20, maximum: 10_000 })),
    /**
     * Every lead from this exchange is a test lead (priced, never spending, stored as a test): for an exchange whose
     * requests carry no test flag (PX) while its integration is being tested. Give it its own entry and key.
     */
    test: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const PriceRuleSchema = Type.Object(
  {
    /** The segment's name in reports ("severe, clear liability"). */
    name: Type.String({ minLength: 1, maxLength: 100 }),
    /** When the lead matches (the exchange's rule language over the vertical's non-PII fields). */
    when: RuleSchema,
    /** What this segment is worth to you, in dollars; never more than the campaign's maximum bid. */
    price: Dollars,
  },
  { additionalProperties: false },
);

const BudgetSchema = Type.Object(
  {
    period: Type.Union(CAP_PERIODS.map((period) => Type.Literal(period))),
    /** The most spent on leads in the period, in dollars: bids held and leads bought count against it. */
    spend: Type.Optional(Dollars),
    /** The most leads bought in the period. */
    leads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

const CampaignSchema = Type.Object(
  {
    id: Id,
    vertical: Id,
    status: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("paused")])),
    /** Leads this campaign wants at all; absent: every lead of the vertical. */
    filters: Type.Optional(RuleSchema),
    /** When the intake team can call (absent: always). */
    schedule: Type.Optional(ScheduleSchema),
    /** What a signed case may cost you, in dollars. */
    cost_per_case_target: Dollars,
    /**
     * What a signed case is worth (average fee), in dollars. When given, it must be at least 1.5× the target: the
     * discipline that keeps a case profitable after the leads that never sign.
     */
    case_value: Type.Optional(Dollars),
    /** Share of bought leads you expect to sign: what the bidder bids on before its own numbers say otherwise. */
    conversion_rate: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    /**
     * How many leads the assumed rate weighs, against the leads bought and signed (default 50): the rate bid on is
     * (signed + conversion_rate × weight) ÷ (bought + weight), so a run of leads not yet signed lowers it gently.
     */
    assumed_rate_weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** First match wins; a lead matching none gets `default_price`, or no bid. */
    price_rules: Type.Array(PriceRuleSchema, { maxItems: 100 }),
    default_price: Type.Optional(Dollars),
    budgets: Type.Optional(Type.Array(BudgetSchema, { maxItems: 4 })),
    /** How long a bid holds budget while the exchange decides and posts (default 60 s). */
    bid_ttl_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    /** Sources (exchange sub-ids or source names) never bid on. */
    blocked_sources: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const BidderConfigSchema = Type.Object(
  {
    /** Budgets' days, weeks and months, and report days, run on this clock. */
    time_zone: Type.String({ minLength: 1, maxLength: 64 }),
    /** The most time the bidder's own logic may take on a ping (default 50 ms); past it the answer is no bid. */
    max_own_time_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    /** A consumer bought within this many days (from any exchange) is not bought again (default 90). */
    duplicate_window_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    /**
     * Several `gavel bid` processes on this machine share one data folder (behind one load balancer): bids, budget
     * holds and the duplicate check go through the data folder's SQLite file in transactions, so budgets and caps
     * never overshoot whichever process answers. Default false: one process keeps them in memory.
     */
    shared_data_dir: Type.Optional(Type.Boolean()),
    exchanges: Type.Array(ExchangeSchema, { minItems: 1, maxItems: 100 }),
    campaigns: Type.Array(CampaignSchema, { minItems: 1, maxItems: 200 }),
    /** Each bought lead, signed (Gavel-Signature) and retried, to your CRM. */
    crm_webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: "^https?://", maxLength: 2000 }),
          secret: Type.String({ minLength: 16, maxLength: 200 }),
          timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
          max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Each bought lead by e-mail (readable text and the same JSON as the webhook attached), through your SMTP server
     * (the exchange's `smtp` shape; GAVEL_SMTP_PASSWORD wins over `auth.pass`), retried like the webhook.
     */
    crm_email: Type.Optional(
      Type.Object(
        {
          to: Type.Array(EmailAddress, { minItems: 1, maxItems: 20, uniqueItems: true }),
          smtp: SmtpSchema,
          max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type BidderConfig = Static<typeof BidderConfigSchema>;
export type BidderExchange = BidderConfig["exchanges"][number];
export type BidderCampaign = BidderConfig["campaigns"][number];
export type PriceRule = BidderCampaign["price_rules"][number];
export type Budget = NonNullable<BidderCampaign["budgets"]>[number];

/** The discipline from the buyer's guide: a case must be worth at least 1.5× what it may cost. */
export const MIN_VALUE_TO_TARGET = 1.5;
export const DEFAULT_MAX_OWN_TIME_MS = 50;
export const DEFAULT_BID_TTL_S = 60;
export const DEFAULT_DUPLICATE_WINDOW_DAYS = 90;
export const DEFAULT_ASSUMED_RATE_WEIGHT = 50;

export class BidderConfigProblem extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "BidderConfigProblem";
    this.path = path;
  }
}

/** The shape and the meaning, or a BidderConfigProblem naming the first thing wrong. */
export function checkBidderConfig(input: unknown): BidderConfig {
  if (!Value.Check(BidderConfigSchema, input)) {
    const [problem] = [...Value.Errors(BidderConfigSchema, input)];
    throw new BidderConfigProblem(problem?.path || "/", problem?.message ?? "invalid");
  }
  const config = input;
  if (!isValidTimeZone(config.time_zone))
    throw new BidderConfigProblem("/time_zone", `${config.time_zone} is not a known IANA time zone`);
  unique(
    config.exchanges.map((e) => e.id),
    "/exchanges",
  );
  unique(
    config.campaigns.map((c) => c.id),
    "/campaigns",
  );
  for (const [index, exchange] of config.exchanges.entries()) {
    for (const [theirs, vertical] of Object.entries(exchange.inbound?.campaigns ?? {}))
      if (!verticalById(vertical))
        throw new BidderConfigProblem(
          `/exchanges/${index}/inbound/campaigns/${theirs}`,
          `${vertical} is not a vertical`,
        );
  }
  for (const [index, campaign] of config.campaigns.entries()) {
    const at = `/campaigns/${index}`;
    const vertical = verticalById(campaign.vertical);
    if (!vertical)
      throw new BidderConfigProblem(
        `${at}/vertical`,
        `${campaign.vertical} is not a vertical (${BUILT_IN_VERTICALS.map((v) => v.id).join(", ")})`,
      );
    if (campaign.filters) ruleProblem(campaign.filters, vertical, `${at}/filters`);
    for (const [ruleIndex, rule] of campaign.price_rules.entries())
      ruleProblem(rule.when, vertical, `${at}/price_rules/${ruleIndex}/when`);
    if (campaign.schedule) {
      const problem = validateSchedule(campaign.schedule, `${at}/schedule`);
      if (problem) throw new BidderConfigProblem(problem.path, problem.message);
    }
    if (
      campaign.case_value !== undefined &&
      campaign.case_value < campaign.cost_per_case_target * MIN_VALUE_TO_TARGET
    )
      throw new BidderConfigProblem(
        `${at}/cost_per_case_target`,
        `a case worth $${campaign.case_value} may cost at most $${(campaign.case_value / MIN_VALUE_TO_TARGET).toFixed(2)} ` +
          `(value at least ${MIN_VALUE_TO_TARGET}× the target)`,
      );
    for (const [budgetIndex, budget] of (campaign.budgets ?? []).entries())
      if (budget.spend === undefined && budget.leads === undefined)
        throw new BidderConfigProblem(`${at}/budgets/${budgetIndex}`, "needs spend, leads or both");
  }
  return config;
}

/** Reads and checks a bidder configuration file. */
export function loadBidderConfig(path: string): BidderConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read bidder config ${path}: ${(error as Error).message}`);
  }
  try {
    return checkBidderConfig(parsed);
  } catch (error) {
    if (error instanceof BidderConfigProblem)
      throw new Error(`invalid bidder config ${path}: ${error.message}`);
    throw error;
  }
}

export function verticalById(id: string): Vertical | undefined {
  return BUILT_IN_VERTICALS.find((vertical) => vertical.id === id);
}

function ruleProblem(rule: unknown, vertical: Vertical, at: string): void {
  const problem = validateRule(rule, vertical, at);
  if (problem) throw new BidderConfigProblem(problem.path, problem.message);
}

function unique(ids: string[], at: string): void {
  const seen = new Set<string>();
  for (const [index, id] of ids.entries()) {
    if (seen.has(id)) throw new BidderConfigProblem(`${at}/${index}/id`, `${id} is used twice`);
    seen.add(id);
  }
}
