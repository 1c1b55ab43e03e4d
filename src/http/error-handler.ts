// Maps every failure to the error catalogue: a stable code, the right status, the field at fault. Bad input is never
// a 500; a 500 means a bug, and is logged (without the request body, which may hold PII).
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, GavelError, ServiceUnavailableError } from "../errors.ts";
import { discardUnreadBody } from "./unread-body.ts";

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "GAVEL_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_BODY_TOO_LARGE: "GAVEL_PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "GAVEL_INVALID_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "GAVEL_INVALID_JSON",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "GAVEL_VALIDATION",
  // @fastify/static (the console's assets, the docs' swagger-ui files) refuses a path that climbs out of its folder
  // (`..`, encoded or not): no such file, so a 404 like any other, not a bug.
  FST_STATIC_FORBIDDEN_PATH: "GAVEL_NOT_FOUND",
};

export function toGavelError(error: FastifyError): GavelError {
  if (error instanceof GavelError) return error;
  if (error instanceof ServiceUnavailableError)
    return new GavelError("GAVEL_SERVICE_UNAVAILABLE", error.message);
  if (error.validation?.length) {
    const [first] = error.validation;
    const missing =
      first?.params && "missingProperty" in first.params ? String(first.params.missingProperty) : undefined;
    const extra =
      first?.params && "additionalProperty" in first.params
        ? String(first.params.additionalProperty)
        : undefined;
    const path = (first?.instancePath ?? "").split("/").filter(Boolean);
    if (missing ?? extra) path.push((missing ?? extra) as string);
    const field = path.join(".") || (error.validationContext ?? "body");
    const message = extra
      ? `${field} is not a known property`
      : missing
        ? `${field} is required`
        : `${field} ${first?.message ?? "is invalid"}`;
    return new GavelError("GAVEL_VALIDATION", message, field);
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return new GavelError(mapped);
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new GavelError("GAVEL_INVALID_JSON");
  }
  if (error.statusCode === 413) return new GavelError("GAVEL_PAYLOAD_TOO_LARGE");
  if (error.statusCode === 415) return new GavelError("GAVEL_UNSUPPORTED_MEDIA_TYPE");
  return new GavelError("GAVEL_INTERNAL");
}

export async function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const gavelError = toGavelError(error);
  if (gavelError.code === "GAVEL_INTERNAL") {
    request.log.error({ err: error, route: request.routeOptions.url }, "unhandled error");
  } else if (gavelError.code === "GAVEL_SERVICE_UNAVAILABLE") {
    request.log.warn({ err: error, route: request.routeOptions.url }, "backing service unavailable");
  }
  // A body over the limit is still coming in: read the rest (within a bound) so the client can read this answer.
  if (gavelError.code === "GAVEL_PAYLOAD_TOO_LARGE" && !(await discardUnreadBody(request.raw))) {
    reply.header("connection", "close");
  }
  return reply.code(gavelError.status).send(gavelError.toJSON());
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .code(404)
    .send(
      new GavelError("GAVEL_NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}`).toJSON(),
    );
}
