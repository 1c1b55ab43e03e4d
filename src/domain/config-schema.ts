// The configuration shapes, defined once: the admin API and the configuration file accept exactly these,
// the OpenAPI description is generated from them, and the TypeScript types are derived from them.

import { type Static, type TInteger, type TNumber, Type } from "@sinclair/typebox";
import { FIELD_TYPES, type FieldType } from "./fields.ts";
import { REFUSABLE_CHECKS } from "./lead-quality.ts";
import { PRESET_NAMES } from "./preset-params.ts";
import { ROUTING_MODES, type RoutingMode } from "./routing.ts";
import { CAP_PERIODS, type CapPeriod } from "./rules/periods.ts";
import { RuleSchema } from "./rules/rule-schema.ts";
import { ScheduleSchema } from "./rules/schedule-schema.ts";
import { VALUE_FORMATS } from "./value-format.ts";

const Id = Type.String({
  pattern: "^[a-z0-9][a-z0-9_-]{0,63}$",
  description: "lower-case letters, digits, _ and -",
});
const Dollars = Type.Number({ minimum: 0, maximum: 100000, description: "decimal dollars" });
/** Pings per minute. */
const Throttle = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const HttpUrl = Type.String({ pattern: "^https?://", maxLength: 2000 });

export const FieldSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z][a-z0-9_]{0,63}$" }),
    type: Type.Unsafe<FieldType>(Type.String({ enum: [...FIELD_TYPES] })),
    pii: Type.Boolean(),
    required: Type.Boolean({ default: false }),
    label: Type.Optional(Type.String()),
    values: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
  },
  { additionalProperties: false },
);

/**
 * How long a lead's PII is kept (docs/privacy.md): days after a sale, and after an unsold lead arrived. Absent: kept
 * until erased. The hashes, non-PII fields, trace and money are kept whatever this says.
 */
export const RetentionSchema = Type.Object(
  {
    sold_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    unsold_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
  },
  { additionalProperties: false },
);
export type Retention = Static<typeof RetentionSchema>;

/**
 * What a fallback bid must pay once the winner has refused the post (docs/configuration.md#fallback-margin):
 * `strict` — the source's quoted price computed through the payout model from the fallback's own bid (under a revenue
 * share or a margin, a lower bid pays the source less, so it does not cover the quote); `honour_quote` — the bid itself
 * covers the quoted payout, the exchange keeping what is left (its margin shrinks, never below zero).
 */
export const FallbackMarginSchema = Type.Union([Type.Literal("strict"), Type.Literal("honour_quote")]);
export type FallbackMargin = Static<typeof FallbackMarginSchema>;

export const VerticalSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    fields: Type.Array(FieldSchema, { minItems: 1 }),
    consent_required: Type.Optional(Type.Boolean()),
    floor: Type.Optional(Dollars),
    /** The highest bid (dollars) accepted for the vertical: a bid above it is taken for a typo and dropped. */
    ceiling: Type.Optional(Dollars),
    /**
     * System-wide duplicate check: a consumer (matched on these hashed contacts) sold to any buyer within the lookback
     * is not sold again in this vertical.
     */
    dedupe: Type.Optional(
      Type.Object(
        {
          lookback_days: Type.Integer({ minimum: 1, maximum: 365 }),
          match: Type.Array(Type.Union([Type.Literal("email"), Type.Literal("phone")]), {
            minItems: 1,
            uniqueItems: true,
          }),
        },
        { additionalProperties: false },
      ),
    ),
    /** How long this vertical's PII is kept; each absent period falls back to the settings' `retention`. */
    retention: Type.Optional(RetentionSchema),
    /** Lead validation beyond syntax: present turns it on (docs/privacy.md#lead-validation). */
    validation: Type.Optional(
      Type.Object(
        {
          /** A lead scoring below this is refused. */
          min_quality_score: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          /** A form completed (form_submitted_at − form_started_at) in fewer seconds is a bot's: soft −40. */
          min_form_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
          /** A lead whose form was submitted longer ago than this: soft −40 (list it in `refuse` to refuse it). */
          max_lead_age_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86_400 })),
          /**
           * The same phone, e-mail or IP from one source more than `max` times within `window_seconds`: soft −30.
           * Counted in the hot state by hashes, shared by every instance.
           */
          velocity: Type.Optional(
            Type.Object(
              {
                max: Type.Integer({ minimum: 1, maximum: 10_000 }),
                window_seconds: Type.Integer({ minimum: 1, maximum: 30 * 86_400 }),
              },
              { additionalProperties: false },
            ),
          ),
          /** Look up the e-mail domain's MX (or A) record; none: soft −30. Off by default. */
          check_mx: Type.Optional(Type.Boolean()),
          /** Checks that refuse the lead instead of lowering its score. */
          refuse: Type.Optional(
            Type.Array(Type.Union(REFUSABLE_CHECKS.map((check) => Type.Literal(check))), {
              uniqueItems: true,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** What a fallback bid must cover after the winner refuses the post (default strict); a source's own wins. */
    fallback_margin: Type.Optional(FallbackMarginSchema),
    /** How bids are ordered into the winner and its fallbacks (default highest_bid); see src/domain/routing.ts. */
    routing: Type.Optional(
      Type.Object(
        {
          mode: Type.Unsafe<RoutingMode>(Type.String({ enum: [...ROUTING_MODES] })),
          /** Sell each lead to up to this many buyers (shared leads); 1, the default, sells exclusive only. */
          max_buyers: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** One price band of a margin table: bids up to `up_to` dollars (inclusive) leave the exchange this margin. */
export const MarginBandSchema = Type.Object(
  {
    /** The band covers bids up to this many dollars; absent on the last, open-ended band. */
    up_to: Type.Optional(Dollars),
    /** A fixed margin in dollars kept by the exchange. */
    margin: Type.Optional(Dollars),
    /** A margin as a percentage of the bid kept by the exchange. */
    margin_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);

export const PayoutSchema = Type.Union([
  Type.Object(
    { model: Type.Literal("revenue_share"), percent: Type.Number({ minimum: 0, maximum: 100 }) },
    {
      additionalProperties: false,
      description: "the source is paid this % of the winning bid (the exchange keeps the rest)",
    },
  ),
  Type.Object(
    { model: Type.Literal("margin"), amount: Dollars },
    {
      additionalProperties: false,
      description: "the exchange keeps a fixed amount; the source is paid the rest",
    },
  ),
  Type.Object(
    {
      model: Type.Literal("margin_table"),
      bands: Type.Array(MarginBandSchema, { minItems: 1, maxItems: 50 }),
    },
    {
      additionalProperties: false,
      description:
        "the exchange keeps a fixed or % margin chosen by the bid's price band (ascending up_to, last band open-ended)",
    },
  ),
  Type.Object(
    { model: Type.Literal("fixed"), amount: Dollars },
    {
      additionalProperties: false,
      description: "a fixed cost per sold lead; sold only when a bid covers it",
    },
  ),
]);

/** The events a source postback can fire on. */
export const POSTBACK_EVENTS = ["sold", "unsold", "returned"] as const;
export type PostbackEventType = (typeof POSTBACK_EVENTS)[number];

/** One source postback (see src/engine/postbacks.ts); retried through the outbox. */
export const PostbackSchema = Type.Object(
  {
    /**
     * May hold macros, each replaced by its URL-encoded value: {lead_id} {ping_id} {sub_id} {price} {status} {reason}
     * {vertical} {event}.
     */
    url: HttpUrl,
    /** POST (default) sends the event as JSON; GET sends no body (the URL's macros carry the values). */
    method: Type.Optional(Type.Union([Type.Literal("GET"), Type.Literal("POST")])),
    /** Which events fire it (default all three). */
    events: Type.Optional(
      Type.Array(Type.Unsafe<PostbackEventType>(Type.String({ enum: [...POSTBACK_EVENTS] })), {
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60000 })),
  },
  { additionalProperties: false },
);

/**
 * How a source posting in another platform's shape (boberdoo, LeadsPedia, Lead Prosper: docs/api.md "Compatible
 * inbound") maps onto Gavel. Each platform has default field names; these override them for this source.
 */
export const InboundMappingSchema = Type.Object(
  {
    /** Their campaign or lead-type id (`TYPE`, `lp_campaign_id`) → a vertical id (absent: the id must be a vertical's). */
    campaigns: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Id)),
    /**
     * Their field name → a vertical field, `consent.<key>` for consent evidence, `context.<key>` for the lead
     * context (docs/api.md "Lead context": ip_address, user_agent, landing_page_url, trustedform_ping_url), or null to
     * ignore the field. Case-sensitive, as the platforms' own field names are.
     */
    fields: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 100 }),
        Type.Union([Type.String({ pattern: "^((consent|context)\\.)?[A-Za-z0-9_]{1,64}$" }), Type.Null()]),
      ),
    ),
    /**
     * A field no map names: refused with its name (default: a typo never silently drops data), or ignored (a seller
     * whose forms send extra fields, e.g. tracking parameters, keeps sending them).
     */
    unknown_fields: Type.Optional(Type.Union([Type.Literal("refuse"), Type.Literal("ignore")])),
    /** Per vertical field, their value spellings → ours (e.g. {"injury_type": {"Broken Bone": "fracture"}}). */
    values: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 64 }),
        Type.Record(
          Type.String({ maxLength: 200 }),
          Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export const SourceSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    status: Type.Union([Type.Literal("test"), Type.Literal("live"), Type.Literal("paused")]),
    payout: PayoutSchema,
    /** Allowed sub-ids (empty or absent: any). */
    sub_ids: Type.Optional(Type.Array(Type.String({ maxLength: 100 }))),
    /** Verticals this source may send (empty or absent: all). */
    verticals: Type.Optional(Type.Array(Id)),
    /** Pings (and direct posts) a minute accepted from this source; beyond it, 429 GAVEL_RATE_LIMITED. */
    max_pings_per_minute: Type.Optional(Throttle),
    /** The lowest price (dollars) this source accepts for a lead. */
    floor: Type.Optional(Dollars),
    /** The highest bid (dollars) accepted for this source's leads: a bid above it is taken for a typo and dropped. */
    ceiling: Type.Optional(Dollars),
    /**
     * Where to tell the source what became of each lead it posted (sold, unsold, returned: price, ids, never PII): one
     * postback, or several (e.g. a tracker's GET pixel and a JSON POST to the source's own system).
     */
    postback: Type.Optional(
      Type.Union([PostbackSchema, Type.Array(PostbackSchema, { minItems: 1, maxItems: 5 })]),
    ),
    /** sha256 (hex) of the source's API key. The admin API generates keys; a config file may carry the hash. */
    api_key_sha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
    /**
     * sha256 of the key this source had before its last rotation, still accepted until `previous_key_expires_at` (the
     * rotation's grace period, so a seller can switch keys without refused leads). Set by the rotation, not by hand.
     */
    previous_api_key_sha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
    /** When the previous key stops working (UTC, ISO 8601). */
    previous_key_expires_at: Type.Optional(
      Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$" }),
    ),
    /** When a buyer's return is approved, the source gives back its payout for that sale (default true). */
    reverse_payout_on_return: Type.Optional(Type.Boolean()),
    /** What a fallback bid must cover after the winner refuses the post; absent: the vertical's, else strict. */
    fallback_margin: Type.Optional(FallbackMarginSchema),
    /** Field, value and campaign maps for the compatible inbound endpoints (boberdoo, LeadsPedia, Lead Prosper). */
    inbound: Type.Optional(InboundMappingSchema),
  },
  { additionalProperties: false },
);

/** One optional limit per cap period (CAP_PERIODS: a period added there is accepted here). */
const PerPeriod = <Item extends TInteger | TNumber>(item: Item) =>
  Type.Optional(
    // Unsafe only types the static side (a period list mapped at run time is not a tuple TypeBox can infer from).
    Type.Unsafe<Partial<Record<CapPeriod, Static<Item>>>>(
      Type.Partial(
        Type.Record(Type.Union(CAP_PERIODS.map((period) => Type.Literal(period))), item, {
          additionalProperties: false,
        }),
      ),
    ),
  );

/** Lead-count and spend caps per hour, day, week and month, each period in the owner's time zone. */
export const CapsSchema = Type.Object(
  {
    /** IANA time zone the periods are counted in (a day resets at local midnight). Default UTC. */
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    leads: PerPeriod(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    /** Dollars. */
    spend: PerPeriod(Type.Number({ minimum: 0, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

export const BuyerSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    status: Type.Union([Type.Literal("active"), Type.Literal("paused")]),
    /** Caps over all of this buyer's campaigns. */
    caps: Type.Optional(CapsSchema),
    /** Per-buyer duplicate check: a consumer (email or phone) this buyer bought within these days is not offered to it. */
    dedupe_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
    /**
     * Ranking only: this buyer's bids rank as if this % higher or lower (-10: a $50 bid ranks as $45). It still pays
     * its own bid, the source's price comes from that bid, and the floor and ceiling see the bid itself.
     */
    bid_adjustment_percent: Type.Optional(Type.Number({ minimum: -100, maximum: 100 })),
    /**
     * Prepaid buying: present, the buyer may only spend its deposits (top-ups through the admin API, kept as state,
     * not configuration) plus `credit_limit` dollars; a bid it cannot cover is skipped (`insufficient_funds`).
     * Absent: unlimited.
     */
    funds: Type.Optional(
      Type.Object(
        { credit_limit: Type.Number({ minimum: 0, maximum: 100_000_000, description: "dollars" }) },
        { additionalProperties: false },
      ),
    ),
    /** Paused automatically after this many posts in a row end in an error or a timeout (rejects do not count). */
    auto_pause_after_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /**
     * Where to tell this buyer, through the outbox, that it won a lead (and was charged), lost one it bid on, or was
     * refunded for a return: JSON POSTs, never PII (see src/engine/buyer-notices.ts). `events` default: all three.
     */
    notices: Type.Optional(
      Type.Object(
        {
          url: HttpUrl,
          events: Type.Optional(
            Type.Array(Type.Union([Type.Literal("win"), Type.Literal("loss"), Type.Literal("refund")]), {
              minItems: 1,
              uniqueItems: true,
            }),
          ),
          timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 25_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Returns this buyer asks for are approved at once, without the operator (default: the operator decides). */
    auto_approve_returns: Type.Optional(Type.Boolean()),
    /** Above this share of its purchases returned (percent), the buyer's return rate is flagged. Default 10. */
    return_rate_alert_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /**
     * sha256 (hex) of the buyer's API key for the buyer API (its purchases, returns, conversions). The admin API
     * issues keys (`POST /v1/admin/buyers/{id}/rotate-key`); a config file may carry the hash.
     */
    api_key_sha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
  },
  { additionalProperties: false },
);

export const FilterSchema = Type.Union([
  Type.Object(
    {
      field: Type.String(),
      op: Type.Union([Type.Literal("eq"), Type.Literal("neq")]),
      value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      field: Type.String(),
      op: Type.Union([Type.Literal("in"), Type.Literal("not_in")]),
      value: Type.Array(Type.Union([Type.String(), Type.Number()]), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      field: Type.String(),
      op: Type.Union([Type.Literal("gte"), Type.Literal("lte")]),
      value: Type.Number(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      field: Type.String(),
      op: Type.Literal("between"),
      value: Type.Tuple([Type.Number(), Type.Number()]),
    },
    { additionalProperties: false },
  ),
]);

const Endpoint = Type.Object(
  {
    url: HttpUrl,
    timeout_ms: Type.Integer({ minimum: 10, maximum: 60000 }),
  },
  { additionalProperties: false },
);

/** A template: literal text with `{{...}}` placeholders (see docs/configuration.md "Buyer integrations"). */
const Template = Type.String({ maxLength: 2000 });
/** Where a value sits in a buyer's reply: a dot or slash path (JSON, XML), or a regex for a text reply. */
const ReplyPath = Type.String({ minLength: 1, maxLength: 500 });
const ReplyValue = Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]);
/** How a buyer wants a value written (src/domain/value-format.ts). */
const ValueFormatSchema = Type.Union(VALUE_FORMATS.map((format) => Type.Literal(format)));
/** A test on a reply: the value at `path` (the whole reply when absent) equals one of `equals`, or matches `matches`. */
const ReplyCondition = Type.Object(
  {
    path: Type.Optional(ReplyPath),
    equals: Type.Optional(Type.Array(ReplyValue, { minItems: 1, maxItems: 20 })),
    matches: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** One side (ping or post) of a templated buyer integration: the request to build and how to read the reply. */
export const TemplatedRequestSchema = Type.Object(
  {
    /** Default POST. A GET carries the body's fields in the query string. */
    method: Type.Optional(Type.Union([Type.Literal("POST"), Type.Literal("PUT"), Type.Literal("GET")])),
    /** Appended to the campaign's endpoint URL; placeholders are URL-encoded. */
    query: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Template)),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$" }), Template),
    ),
    auth: Type.Optional(
      Type.Union([
        Type.Object(
          { type: Type.Literal("basic"), username: Template, password: Template },
          { additionalProperties: false },
        ),
        Type.Object({ type: Type.Literal("bearer"), token: Template }, { additionalProperties: false }),
        Type.Object(
          {
            type: Type.Literal("api_key"),
            in: Type.Union([Type.Literal("header"), Type.Literal("body")]),
            name: Type.String({ minLength: 1, maxLength: 100 }),
            value: Template,
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    format: Type.Union([Type.Literal("json"), Type.Literal("form"), Type.Literal("xml")]),
    /** XML only: the root element (default `lead`). */
    xml_root: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]{0,99}$" })),
    /**
     * The body: an object whose string leaves are templates. A leaf that is exactly one placeholder keeps the value's
     * type in JSON and is left out when the value is missing; the key "*" with "{{lead}}" copies every lead field.
     */
    body: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Unknown()),
    /**
     * Per lead field, the buyer's name for it where the body copies every lead field (`"*": "{{lead}}"`); null
     * leaves the field out of the copy (e.g. because the template places it elsewhere).
     */
    field_map: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 100 }),
        Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
      ),
    ),
    /** Per placeholder expression (`lead.phone`, `lead.state`...): how a value is written (src/domain/value-format.ts). */
    formats: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ValueFormatSchema)),
    /** Per placeholder expression (`consent.tcpa_text`, `lead.city`...): the text sent when the value is missing. */
    defaults: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Template)),
    /** Per placeholder (`lead.accident_type`, `test`...): a buyer's wording for each value; null leaves it out. */
    value_map: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 100 }),
        Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
      ),
    ),
    response: Type.Object(
      {
        /** How to read the reply (default json); `text` reads paths as regexes (first group, else the match). */
        format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("xml"), Type.Literal("text")])),
        /** The decision: the value at `path` (the whole reply when absent) equals one of `equals`, or matches `matches`. */
        accept: ReplyCondition,
        /**
         * A reply that reports an error (a boberdoo `Error`, a PX `BadRequest`): the buyer's error, counted as such,
         * not a quiet decline, even with HTTP 200. Checked before `accept`.
         */
        error: Type.Optional(ReplyCondition),
        /**
         * Post: a reply that rejects the lead as a duplicate (checked after `error`, before `accept`); recorded as
         * `post_duplicate`. On a ping it is a decline.
         */
        duplicate: Type.Optional(ReplyCondition),
        /** An explicit reject; when given, a reply neither accepted nor rejected is an invalid response. */
        reject: Type.Optional(ReplyCondition),
        /**
         * Ping: where the bid (decimal dollars) is; required unless `bids` is given (then read when the reply lists no
         * bids). Post: a price the reply states, shown in the trace.
         */
        price: Type.Optional(ReplyPath),
        /**
         * Ping only, JSON or XML: a reply that lists several bids (Lead Prosper `bids[]`, PX `Legs`). Each item at
         * `path` is one bid; `price`, `id` and `accept` are read inside the item. The best usable one is the bid
         * (one buyer takes a lead at most once), its `id` the `{{bid_id}}` of the post.
         */
        bids: Type.Optional(
          Type.Object(
            {
              path: ReplyPath,
              price: ReplyPath,
              id: Type.Optional(ReplyPath),
              accept: Type.Optional(ReplyCondition),
            },
            { additionalProperties: false },
          ),
        ),
        /** Where the buyer says why (the first path found wins; a `[*]` path's values are joined). */
        reason: Type.Optional(Type.Array(ReplyPath, { minItems: 1, maxItems: 5 })),
        /** The reason when no `reason` path finds one. */
        default_reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        /**
         * Post only: where the buyer wants the consumer's browser sent next (LeadsPedia's `redirect_url`): an http(s)
         * URL, handed to the seller with its answer.
         */
        redirect_url: Type.Optional(ReplyPath),
        /** The buyer's reference: its bid id on a ping, its lead id on a post. */
        reference: Type.Optional(ReplyPath),
        /** Ping only: values kept from the reply and offered to the post template as `{{captured.<name>}}`. */
        capture: Type.Optional(Type.Record(Type.String({ pattern: "^[a-z][a-z0-9_]{0,63}$" }), ReplyPath)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * How this campaign's pings and posts are spoken when the buyer does not speak the native protocol: a templated
 * integration, or a preset (another exchange's ping-post spec) expanded into one. The URLs and timeouts stay in the
 * campaign's `ping` and `post` endpoints.
 */
export const IntegrationSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal("templated"),
      ping: Type.Optional(TemplatedRequestSchema),
      post: TemplatedRequestSchema,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("preset"),
      preset: Type.Union(PRESET_NAMES.map((name) => Type.Literal(name))),
      /** The credentials and ids the buyer issued (see each preset's parameters in docs/configuration.md). */
      params: Type.Record(
        Type.String({ pattern: "^[a-z][a-z0-9_]{0,63}$" }),
        Type.String({ maxLength: 500 }),
      ),
      /** Per lead field, the buyer's wording for each value (over the preset's defaults). */
      value_map: Type.Optional(
        Type.Record(
          Type.String({ minLength: 1, maxLength: 100 }),
          Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
        ),
      ),
      /** Per lead field, how its value is written (`phone_dashed`, `date_us`, `upper`...). */
      formats: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ValueFormatSchema)),
      /** Per lead field, the buyer's name for it (over the preset's defaults); null leaves the field out. */
      field_map: Type.Optional(
        Type.Record(
          Type.String({ minLength: 1, maxLength: 100 }),
          Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
        ),
      ),
    },
    { additionalProperties: false },
  ),
]);

export const EmailAddress = Type.String({ pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$', maxLength: 254 });

/** How a sold lead reaches a campaign that takes no real-time post (see src/deliveries/). */
export const CampaignDeliverySchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal("email"),
      /** Sent to all these addresses in one message, through the `smtp` server of the configuration file. */
      to: Type.Array(EmailAddress, { minItems: 1, maxItems: 20, uniqueItems: true }),
    },
    { additionalProperties: false, description: "the lead by e-mail: readable text, and the JSON attached" },
  ),
  Type.Object(
    {
      type: Type.Literal("webhook"),
      url: HttpUrl,
      /** Signs each request: HMAC-SHA256 over `timestamp + "." + body` (see docs/api.md "Webhook deliveries"). */
      secret: Type.String({ minLength: 16, maxLength: 256 }),
      timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 25000 })),
    },
    { additionalProperties: false, description: "the lead as signed JSON, POSTed to the buyer's URL" },
  ),
]);

export const CampaignSchema = Type.Object(
  {
    id: Id,
    buyer_id: Id,
    vertical: Id,
    name: Type.String({ minLength: 1 }),
    status: Type.Union([Type.Literal("active"), Type.Literal("paused"), Type.Literal("test")]),
    filters: Type.Array(FilterSchema, { default: [] }),
    /** The full rule language (all / any / not, more operators, lead age, day-parting); AND-ed with `filters`. */
    rules: Type.Optional(RuleSchema),
    /** Weekly hours of operation in a time zone, with pause dates; closed: outside_schedule. */
    schedule: Type.Optional(ScheduleSchema),
    pricing: Type.Union([
      Type.Object(
        { type: Type.Literal("fixed"), price: Dollars },
        { additionalProperties: false, description: "bids this price on every eligible lead without a ping" },
      ),
      Type.Object(
        { type: Type.Literal("realtime"), max_price: Type.Optional(Dollars) },
        {
          additionalProperties: false,
          description: "bids what its ping endpoint answers, capped at max_price",
        },
      ),
    ]),
    /** Where pings go (required for realtime pricing). */
    ping: Type.Optional(Endpoint),
    /** Where the full lead is posted when this campaign wins; required unless it takes leads by `delivery`. */
    post: Type.Optional(Endpoint),
    /**
     * A buyer that takes leads without a real-time post: the lead is sold at this campaign's bid the moment it is
     * chosen (caps, funds and consent checked as for a post), and the outbox delivers it by e-mail or signed webhook,
     * retried until it is taken. `post` is then not used.
     */
    delivery: Type.Optional(CampaignDeliverySchema),
    /** How pings and posts are spoken to this buyer (absent: the native protocol). */
    integration: Type.Optional(IntegrationSchema),
    /** Caps on this campaign, and (source_caps) on what each single source sells to it. */
    caps: Type.Optional(CapsSchema),
    source_caps: Type.Optional(CapsSchema),
    /** At most this many pings a minute reach this campaign; the rest are recorded as throttled. */
    max_pings_per_minute: Type.Optional(Throttle),
    /** Proof of consent verified before the lead is posted to this campaign (default none). */
    consent_requirement: Type.Optional(
      Type.Union([
        Type.Literal("none"),
        Type.Literal("trustedform"),
        Type.Literal("jornaya"),
        Type.Literal("either"),
      ]),
    ),
    /**
     * TrustedForm Verify: the buyer's legal name; a TrustedForm check for this campaign then also requires the
     * certificate to show one-to-one consent for it (the FCC's one-to-one consent rule).
     */
    trustedform_advertiser_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Under `priority` routing, this campaign's tier: 1 is offered the lead first (default 100, the last tier). */
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** Under `weighted` routing, how often this campaign leads relative to the others (default 1). */
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    /**
     * What this campaign buys where the vertical sells shared leads: `exclusive` only, `shared` only (bought only
     * when the lead goes to at least two buyers), or `either` (default).
     */
    lead_type: Type.Optional(
      Type.Union([Type.Literal("exclusive"), Type.Literal("shared"), Type.Literal("either")]),
    ),
    /**
     * "buyer" when the campaign was paused by its buyer (buyer API or portal), which may then resume it; a pause
     * without it is the operator's, and only the operator lifts it.
     */
    paused_by: Type.Optional(Type.Literal("buyer")),
    /** A lead bought through this campaign may be returned within this many days (absent: no returns). */
    return_window_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
  },
  { additionalProperties: false },
);

/**
 * The console's alert thresholds (docs/configuration.md "Alerts"). An auto-pause and a reached cap always alert; these
 * say when money, timeouts and refused keys do.
 */
export const AlertThresholdsSchema = Type.Object(
  {
    /** A prepaid buyer with less than this available (dollars) is warned about; at 0 or below it is out of funds. */
    low_funds_dollars: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000_000 })),
    /** A buyer whose pings time out this often (percent, since the start of the previous hour)... */
    buyer_timeout_percent: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
    /** ...out of at least this many pings (fewer say too little to alert on). */
    buyer_timeout_min_pings: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** A source with this many requests refused for their key in the last hour (a rotated key still in use). */
    source_auth_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Where each new alert is sent, through the outbox (absent: shown in the console only). */
    notify: Type.Optional(
      Type.Object(
        {
          /** POSTed the alert as JSON, signed with GAVEL_ALERT_WEBHOOK_SECRET like a lead webhook. */
          webhook_url: Type.Optional(HttpUrl),
          /** E-mailed the alert through the configuration file's smtp server. */
          email_to: Type.Optional(Type.Array(EmailAddress, { minItems: 1, maxItems: 20 })),
          /** How often the conditions are checked (seconds; default 60). */
          check_every_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
          /** A condition that holds this long is sent again (hours; default 24). */
          repeat_after_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SettingsSchema = Type.Object(
  {
    /** Upper bound on a ping's deadline, whatever tmax_ms the source asks for. */
    max_tmax_ms: Type.Integer({ minimum: 50, maximum: 10000, default: 1000 }),
    /** Deadline used when a ping does not ask for one. */
    default_tmax_ms: Type.Integer({ minimum: 50, maximum: 10000, default: 800 }),
    /** Time kept back from buyers for the exchange's own work after the fan-out. */
    reserve_ms: Type.Integer({ minimum: 0, maximum: 1000, default: 15 }),
    /** A buyer that cannot be given at least this much time is skipped (and the skip recorded). */
    min_buyer_budget_ms: Type.Integer({ minimum: 1, maximum: 5000, default: 40 }),
    /** How long a winning bid is held for the post when the buyer does not say. */
    hold_s: Type.Integer({ minimum: 1, maximum: 3600, default: 120 }),
    /** Deadline for the whole post, fallbacks included. */
    post_deadline_ms: Type.Integer({ minimum: 100, maximum: 120000, default: 15000 }),
    /**
     * How long a post's claim on its ping lasts without renewal (absent: 5000, engine/exchange.ts
     * POST_CLAIM_LEASE_MS): when the instance posting dies, another takes the post over after at most this long.
     * Shorter hands a dead instance's posts on sooner, at a renewal (a Redis write) every third of it per post.
     */
    post_claim_lease_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 60000 })),
    /**
     * How far won pings' holds may overbook a cap or a prepaid buyer's funds (1–10; absent: 2): holds, sales and posts
     * in progress may add up to this many times the limit, while sales and posts in progress never pass the limit.
     * "learned": per source, from the share of its winning pings its seller posts (engine/post-rates.ts: 1.25 ÷ the
     * rate, between 1 and 5, once 50 of its winning pings are resolved; 2 until then).
     */
    cap_hold_overbook: Type.Optional(
      Type.Union([Type.Number({ minimum: 1, maximum: 10 }), Type.Literal("learned")]),
    ),
    /** Largest buyer response read; anything bigger costs that buyer its bid. */
    max_buyer_response_bytes: Type.Integer({ minimum: 256, maximum: 10485760, default: 65536 }),
    /**
     * Replay guard: the same ping or direct post (same non-PII lead, contact hashes, vertical and sub_id) from the same
     * source within this many seconds is refused with 409 GAVEL_DUPLICATE. 0 or absent: off (0 is how a setting
     * stored earlier is switched off, through the admin API or the configuration file). 60 is the usual choice.
     */
    replay_guard_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    /** How long PII is kept in every vertical that does not say (docs/privacy.md). Absent: until erased. */
    retention: Type.Optional(RetentionSchema),
    /** When the console raises an alert (GET /v1/admin/alerts); each absent threshold takes its default. */
    alerts: Type.Optional(AlertThresholdsSchema),
  },
  { additionalProperties: false },
);

export const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    /** Default 587 (465 when secure). */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** TLS from the first byte (port 465); false (default) upgrades with STARTTLS when the server offers it. */
    secure: Type.Optional(Type.Boolean()),
    auth: Type.Optional(
      Type.Object(
        { user: Type.String({ minLength: 1 }), pass: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    /** The sender, e.g. "Gavel leads <leads@exchange.example>". */
    from: Type.String({ minLength: 3, maxLength: 320 }),
    /** Bounds connecting, greeting and each exchange with the server (default 15000). */
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 25000 })),
  },
  { additionalProperties: false },
);

/**
 * How this process's HTTP server treats slow clients, proxies and shutdown (read at start; see docs/configuration.md
 * "HTTP server"). Each has a GAVEL_* environment variable that takes precedence.
 */
export const HttpServerSchema = Type.Object(
  {
    /** The whole request (headers and body) must arrive within this; else 408 and the connection is closed. */
    request_timeout_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
    /** The request's headers must arrive within this (at most request_timeout_ms). */
    headers_timeout_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
    /** An idle keep-alive connection is closed after this (keep it above a load balancer's idle timeout). */
    keep_alive_timeout_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
    /**
     * On SIGTERM/SIGINT, requests in flight get this long to finish; then the connections still open are closed
     * and the process exits. Default: the post deadline (settings.post_deadline_ms) plus 5 s.
     */
    shutdown_grace_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    /**
     * Whether to believe X-Forwarded-For / X-Forwarded-Proto (client address, https): false (default: the
     * socket's peer is the client), true (any proxy), a number of proxy hops, or the proxies' addresses/CIDRs.
     */
    trust_proxy: Type.Optional(
      Type.Union([
        Type.Boolean(),
        Type.Integer({ minimum: 1, maximum: 10 }),
        Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50 }),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    settings: Type.Optional(Type.Partial(SettingsSchema)),
    /** Where state lives. DATABASE_URL and REDIS_URL in the environment take precedence. */
    storage: Type.Optional(
      Type.Object(
        {
          database_url: Type.Optional(Type.String({ pattern: "^postgres(ql)?://" })),
          database_schema: Type.Optional(Type.String({ pattern: "^[a-z_][a-z0-9_]{0,62}$" })),
          redis_url: Type.Optional(Type.String({ pattern: "^rediss?://" })),
          redis_key_prefix: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_:-]{1,64}$" })),
          /**
           * Without Redis: the most keys the duplicate windows hold in process memory (four per sale within the
           * lookback; 20 bytes a slot, at most half full: 40 bytes a key, twice that while the table migrates).
           * Absent: 8,388,608 (320 MiB). At the ceiling the keys whose windows end first are evicted, counted in
           * gavel_duplicate_window_evicted_total and logged: their consumers are no longer duplicates.
           */
          duplicate_window_max_keys: Type.Optional(Type.Integer({ minimum: 1024, maximum: 268_435_456 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Consent verification services (read at start, never exported: they hold credentials). GAVEL_TRUSTEDFORM_API_KEY
     * and GAVEL_JORNAYA_API_KEY in the environment take precedence over the keys here.
     */
    consent_providers: Type.Optional(
      Type.Object(
        {
          timeout_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 30000, default: 2000 })),
          trustedform: Type.Optional(
            Type.Object(
              {
                api_key: Type.Optional(Type.String({ minLength: 1 })),
                base_url: Type.Optional(HttpUrl),
                /** retain.vendor when a lead's source is unknown (the source's name is sent otherwise). */
                vendor: Type.Optional(Type.String()),
                /** Insights properties to ask for (billed separately; none by default). */
                insights: Type.Optional(
                  Type.Array(Type.String({ pattern: "^[a-z_]{1,64}$" }), { maxItems: 30 }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          jornaya: Type.Optional(
            Type.Object(
              {
                account_code: Type.String({ minLength: 1 }),
                /** `authenticate` (default: GET /Authenticate, lac + id) or `tcpa_guardian` (SingleQuery, needs api_key). */
                api: Type.Optional(Type.Union([Type.Literal("authenticate"), Type.Literal("tcpa_guardian")])),
                api_key: Type.Optional(Type.String({ minLength: 1 })),
                campaign_key: Type.Optional(Type.String()),
                endpoint: Type.Optional(HttpUrl),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * The SMTP server e-mail deliveries go through (read at start, never exported: it may hold a password).
     * GAVEL_SMTP_PASSWORD in the environment takes precedence over auth.pass.
     */
    smtp: Type.Optional(SmtpSchema),
    http: Type.Optional(HttpServerSchema),
    /** sha256 (hex) of the admin API key. GAVEL_ADMIN_KEY in the environment takes precedence. */
    admin_key_sha256: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$" })),
    verticals: Type.Optional(Type.Array(VerticalSchema)),
    sources: Type.Optional(Type.Array(SourceSchema)),
    buyers: Type.Optional(Type.Array(BuyerSchema)),
    campaigns: Type.Optional(Type.Array(CampaignSchema)),
  },
  { additionalProperties: false },
);

export type Source = Static<typeof SourceSchema>;
export type InboundMapping = Static<typeof InboundMappingSchema>;
export type Payout = Static<typeof PayoutSchema>;
export type MarginBand = Static<typeof MarginBandSchema>;
export type Buyer = Static<typeof BuyerSchema>;
export type Filter = Static<typeof FilterSchema>;
export type Campaign = Static<typeof CampaignSchema>;
export type Integration = Static<typeof IntegrationSchema>;
export type CampaignDelivery = Static<typeof CampaignDeliverySchema>;
export type Postback = Static<typeof PostbackSchema>;
export type Smtp = Static<typeof SmtpSchema>;
export type HttpServerConfig = Static<typeof HttpServerSchema>;
export type TemplatedRequest = Static<typeof TemplatedRequestSchema>;
export type Settings = Static<typeof SettingsSchema>;
export type AlertThresholds = Static<typeof AlertThresholdsSchema>;
export type Caps = Static<typeof CapsSchema>;
export type ConfigFile = Static<typeof ConfigFileSchema>;
