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
  GAVEL_CONFLICT: { status: 409, message: "Conflicts with the current state" },
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
