// The one error catalogue: every error Gavel returns has a stable code, an HTTP status and a message template.
// Tests assert on codes, never on message text.

export const ERRORS = {
  GAVEL_INVALID_JSON: { status: 400, message: "The request body is not valid JSON" },
  GAVEL_VALIDATION: { status: 400, message: "The request is invalid" },
  GAVEL_UNKNOWN_VERTICAL: { status: 400, message: "Unknown vertical" },
  GAVEL_UNAUTHORIZED: { status: 401, message: "Missing or invalid API key" },
  GAVEL_FORBIDDEN: { status: 403, message: "This key may not do that" },
  GAVEL_SOURCE_PAUSED: { status: 403, message: "This source is paused" },
  GAVEL_NOT_FOUND: { status: 404, message: "Not found" },
  GAVEL_PING_NOT_FOUND: { status: 404, message: "No ping with this ping_id" },
  GAVEL_POST_IN_PROGRESS: { status: 409, message: "A post for this ping is still being processed" },
  GAVEL_POST_UNCERTAIN: {
    status: 409,
    message:
      "An earlier post of this lead was cut off before the buyer's answer was recorded; the buyer may have it, so it is not posted again until the operator reconciles it",
  },
  GAVEL_DUPLICATE: {
    status: 409,
    message: "The same lead was sent by this source moments ago (replay guard)",
  },
  // One code per conflict with the current state, so a client (and a test) can tell them apart without the text.
  GAVEL_PING_NOT_BID: { status: 409, message: "This ping received no bid; there is nothing to post to" },
  GAVEL_NO_LONGER_CONFIGURED: {
    status: 409,
    message: "The vertical or source this lead belongs to was deleted from the configuration",
  },
  GAVEL_BUILT_IN: { status: 409, message: "A built-in vertical cannot be deleted" },
  GAVEL_DEFINED_IN_FILE: {
    status: 409,
    message: "The configuration file defines this and would put it back at the next start: remove it there",
  },
  GAVEL_IN_USE: { status: 409, message: "Still used by other configuration or console users" },
  GAVEL_LAST_OPERATOR: { status: 409, message: "The last operator cannot be deleted" },
  GAVEL_TEST_CAMPAIGN: { status: 409, message: "A test campaign is not paused or resumed here" },
  GAVEL_TEST_ENTRY: {
    status: 409,
    message: "A test source, buyer or campaign is not paused or resumed: edit its status",
  },
  GAVEL_PAUSED_BY_OPERATOR: {
    status: 409,
    message: "This campaign was paused by the exchange's operator; only the operator can resume it",
  },
  GAVEL_DEPOSIT_ID_REUSED: {
    status: 409,
    message: "This deposit id was already recorded with another buyer or amount",
  },
  GAVEL_LEAD_NOT_SOLD: { status: 409, message: "Only a sold lead can be returned" },
  GAVEL_RETURNS_NOT_ACCEPTED: {
    status: 409,
    message: "The campaign that bought this lead does not accept returns",
  },
  GAVEL_RETURN_WINDOW_CLOSED: { status: 409, message: "The return window of this lead has closed" },
  GAVEL_ALREADY_RETURNED: { status: 409, message: "This lead was already returned, for another reason" },
  GAVEL_RETURN_DECIDED: { status: 409, message: "This return was already decided the other way" },
  GAVEL_RESALE_UNAVAILABLE: { status: 409, message: "Reselling is not available here" },
  GAVEL_ATTEMPT_NOT_UNCERTAIN: {
    status: 409,
    message: "This post attempt is not uncertain; nothing to resolve",
  },
  GAVEL_AUCTION_NOT_STORED: { status: 409, message: "The auction of this post attempt is not stored" },
  GAVEL_PING_EXPIRED: { status: 410, message: "The ping has expired; ping again" },
  GAVEL_PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large" },
  GAVEL_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send application/json" },
  GAVEL_POST_MISMATCH: { status: 422, message: "The post does not match its ping" },
  GAVEL_LEAD_REFUSED: { status: 422, message: "The lead failed its vertical's validation" },
  GAVEL_RATE_LIMITED: { status: 429, message: "Too many requests" },
  GAVEL_NOT_READY: { status: 503, message: "The exchange is not ready" },
  GAVEL_SERVICE_UNAVAILABLE: { status: 503, message: "A backing service is unavailable; retry shortly" },
  GAVEL_INTERNAL: { status: 500, message: "Internal error" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error a client can act on: stable code, HTTP status, and the field at fault when there is one. */
export class GavelError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message?: string, field?: string) {
    super(message ?? ERRORS[code].message);
    this.name = "GavelError";
    this.code = code;
    this.status = ERRORS[code].status;
    this.field = field;
  }

  toJSON(): { error: { code: ErrorCode; message: string; field?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
      },
    };
  }
}

/**
 * A backing service (PostgreSQL, Redis) could not be reached or timed out. Answered as 503
 * GAVEL_SERVICE_UNAVAILABLE: the client should retry; nothing it sent was wrong.
 */
export class ServiceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ServiceUnavailableError";
  }
}
