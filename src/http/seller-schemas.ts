// Request and response shapes of the seller API (v1). They validate requests and generate the OpenAPI description.
import { Type } from "@sinclair/typebox";

const LeadObject = Type.Record(Type.String(), Type.Unknown(), {
  description: "The lead's fields, by the vertical's field names (GET /v1/verticals lists them).",
});
const Sha256 = Type.String({ pattern: "^[0-9a-f]{64}$" });
const SubId = Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" });
const Tmax = Type.Integer({
  minimum: 50,
  maximum: 10000,
  description: "Deadline for the auction in ms (capped by the exchange)",
});
const FormSubmittedAt = Type.String({
  maxLength: 40,
  description:
    "When the consumer submitted the form (RFC 3339, e.g. 2026-11-22T14:03:00Z); campaigns' lead-age rules read it",
  examples: ["2026-11-22T14:03:00Z"],
});
const FormStartedAt = Type.String({
  maxLength: 40,
  description:
    "When the consumer started the form (RFC 3339); a vertical's validation may hold a form completed too fast for a bot's",
  examples: ["2026-11-22T14:01:10Z"],
});
const Consent = Type.Record(Type.String(), Type.String(), {
  description:
    "Consent proof: trustedform_cert_url, jornaya_leadid, and any evidence strings (ip, user agent, TCPA text)",
  examples: [
    { trustedform_cert_url: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567" },
  ],
});

const LeadContext = Type.Object(
  {
    ip_address: Type.Optional(
      Type.String({ maxLength: 45, description: "The consumer's IP address (v4 or v6)" }),
    ),
    user_agent: Type.Optional(
      Type.String({ maxLength: 1000, description: "The consumer's browser user agent" }),
    ),
    landing_page_url: Type.Optional(
      Type.String({ maxLength: 2000, description: "The http(s) URL of the page the consumer filled in" }),
    ),
    trustedform_ping_url: Type.Optional(
      Type.String({
        maxLength: 500,
        description:
          "TrustedForm's ping URL (xxTrustedFormPingUrl) or a masked certificate URL, for buyers that ask for one on the ping",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "The consumer's visit (PII-like: sent to a buyer's ping only where its integration names a field, never by default)",
    examples: [{ ip_address: "203.0.113.7", landing_page_url: "https://quotes.example.com/auto" }],
  },
);

export const PingBody = Type.Object(
  {
    vertical: Type.String({ examples: ["personal_injury"] }),
    lead: LeadObject,
    contact_hash: Type.Optional(
      Type.Object(
        { email_sha256: Type.Optional(Sha256), phone_sha256: Type.Optional(Sha256) },
        {
          additionalProperties: false,
          description: "sha256 of the normalised e-mail / 10-digit phone, for duplicate checks",
        },
      ),
    ),
    test: Type.Optional(Type.Boolean()),
    sub_id: Type.Optional(SubId),
    tmax_ms: Type.Optional(Tmax),
    form_submitted_at: Type.Optional(FormSubmittedAt),
    form_started_at: Type.Optional(FormStartedAt),
    context: Type.Optional(LeadContext),
  },
  { additionalProperties: false },
);

export const PingReply = Type.Object({
  ping_id: Type.String(),
  status: Type.Union([Type.Literal("bid"), Type.Literal("no_bid")]),
  price: Type.Number({ description: "What the source will be paid if it posts the lead, in dollars" }),
  expires_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  reason: Type.Optional(Type.String()),
});

export const PostBody = Type.Object(
  {
    // No NUL: no store can hold one (PostgreSQL refuses it), and no id Gavel issues contains one.
    ping_id: Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" }),
    lead: LeadObject,
    consent: Type.Optional(Consent),
    context: Type.Optional(LeadContext),
  },
  { additionalProperties: false },
);

export const DirectPostBody = Type.Object(
  {
    vertical: Type.String(),
    lead: LeadObject,
    consent: Type.Optional(Consent),
    test: Type.Optional(Type.Boolean()),
    sub_id: Type.Optional(SubId),
    tmax_ms: Type.Optional(Tmax),
    form_submitted_at: Type.Optional(FormSubmittedAt),
    form_started_at: Type.Optional(FormStartedAt),
    context: Type.Optional(LeadContext),
  },
  { additionalProperties: false },
);

export const PostReply = Type.Object({
  lead_id: Type.String(),
  status: Type.Union([Type.Literal("sold"), Type.Literal("unsold")]),
  price: Type.Number({ description: "What the source is paid for this lead, in dollars" }),
  reason: Type.Optional(Type.String()),
  redirect_url: Type.Optional(
    Type.String({
      description:
        "Where the buyer wants the consumer sent next (an http(s) URL its post reply gave), on the answer of the post that sold the lead",
    }),
  ),
});

export const ErrorReply = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ examples: ["GAVEL_VALIDATION"] }),
      message: Type.String(),
      field: Type.Optional(Type.String({ examples: ["lead.zip"] })),
    }),
  },
  { $id: "Error" },
);

/** The error responses every seller route may give. */
export const sellerErrors = {
  400: Type.Ref(ErrorReply),
  401: Type.Ref(ErrorReply),
  403: Type.Ref(ErrorReply),
  413: Type.Ref(ErrorReply),
  415: Type.Ref(ErrorReply),
};

/** The further errors of a post: unknown ping, in progress or no bid, expired, differs from its ping. */
export const postErrors = {
  404: Type.Ref(ErrorReply),
  409: Type.Ref(ErrorReply),
  410: Type.Ref(ErrorReply),
  422: Type.Ref(ErrorReply),
};
