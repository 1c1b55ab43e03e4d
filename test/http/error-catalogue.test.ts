import assert from "node:assert/strict";
import { test } from "node:test";
import { ERRORS, type ErrorCode, GavelError } from "../../src/errors.ts";

const CODES = Object.keys(ERRORS) as ErrorCode[];
/** The client-error statuses the seller API promises (DESIGN "Contracts"). */
const SELLER_API_4XX = new Set([400, 401, 403, 404, 409, 410, 413, 415, 422, 429]);

test("every code is a stable GAVEL_ name with a 4xx/5xx status and a message", () => {
  assert.ok(CODES.length > 0);
  for (const code of CODES) {
    const { status, message } = ERRORS[code];
    assert.match(code, /^GAVEL_[A-Z]+(_[A-Z]+)*$/);
    assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: ${status}`);
    assert.ok(message.trim().length > 0, `${code} has a message`);
  }
});

test("client errors use only the statuses the seller API documents", () => {
  for (const code of CODES) {
    const { status } = ERRORS[code];
    if (status < 500) assert.ok(SELLER_API_4XX.has(status), `${code}: ${status}`);
  }
});

test("only GAVEL_INTERNAL (500) and the two 503s (not ready, backing service down) are server errors: bad input is never a 5xx", () => {
  const serverErrors = Object.fromEntries(
    CODES.filter((code) => ERRORS[code].status >= 500).map((code) => [code, ERRORS[code].status]),
  );
  assert.deepEqual(serverErrors, {
    GAVEL_INTERNAL: 500,
    GAVEL_NOT_READY: 503,
    GAVEL_SERVICE_UNAVAILABLE: 503,
  });
});

test("the statuses the lifecycle relies on", () => {
  assert.equal(ERRORS.GAVEL_VALIDATION.status, 400);
  assert.equal(ERRORS.GAVEL_UNAUTHORIZED.status, 401);
  assert.equal(ERRORS.GAVEL_PING_NOT_FOUND.status, 404);
  assert.equal(ERRORS.GAVEL_POST_IN_PROGRESS.status, 409);
  assert.equal(ERRORS.GAVEL_PING_EXPIRED.status, 410);
  assert.equal(ERRORS.GAVEL_POST_MISMATCH.status, 422);
  assert.equal(ERRORS.GAVEL_RATE_LIMITED.status, 429);
});

test("GavelError carries code, status and the catalogue message by default", () => {
  for (const code of CODES) {
    const error = new GavelError(code);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "GavelError");
    assert.equal(error.code, code);
    assert.equal(error.status, ERRORS[code].status);
    assert.equal(error.message, ERRORS[code].message);
    assert.equal(error.field, undefined);
  }
});

test("toJSON: {error: {code, message}} without a field", () => {
  const error = new GavelError("GAVEL_PING_EXPIRED");
  assert.deepEqual(error.toJSON(), {
    error: { code: "GAVEL_PING_EXPIRED", message: ERRORS.GAVEL_PING_EXPIRED.message },
  });
  assert.equal("field" in error.toJSON().error, false);
});

test("toJSON: a custom message and the field at fault", () => {
  const error = new GavelError("GAVEL_VALIDATION", "lead.zip must be a US ZIP code", "lead.zip");
  assert.deepEqual(JSON.parse(JSON.stringify(error)), {
    error: { code: "GAVEL_VALIDATION", message: "lead.zip must be a US ZIP code", field: "lead.zip" },
  });
});

test("toJSON never leaks the stack or the status", () => {
  const body = JSON.stringify(new GavelError("GAVEL_INTERNAL"));
  assert.equal(body.includes("stack"), false);
  assert.deepEqual(Object.keys(JSON.parse(body).error), ["code", "message"]);
});
