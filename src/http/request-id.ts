// A seller's `X-Request-Id`: the seller names its request, and the exchange answers with the same header, so the
// seller can match an answer to its request without reading the body and correlate its logs with ours. The id is also
// the request's id in Gavel's log lines (fastify's `reqId`), so an operator finds a seller's failing request by it.
//
// Only a safe id is taken (1–64 characters of A–Z a–z 0–9 . _ : -: a UUID, a ULID, a counter with a prefix); any other
// value is ignored, neither echoed nor refused: a tracing header (perhaps a proxy's, not the seller's) is no reason
// to lose a lead, and an echo must not carry arbitrary bytes back or into a log line.
import type { IncomingMessage } from "node:http";
import type { SwaggerTransform } from "@fastify/swagger";
import type { FastifyReply, FastifyRequest, FastifySchema } from "fastify";

export const REQUEST_ID_HEADER = "x-request-id";
const SAFE_REQUEST_ID_PATTERN = "^[A-Za-z0-9._:-]{1,64}$";
const SAFE_REQUEST_ID = new RegExp(SAFE_REQUEST_ID_PATTERN);

/** The request's `X-Request-Id` when it is a safe id; undefined when absent or not safe (a repeated header too). */
export function safeRequestId(request: IncomingMessage): string | undefined {
  const id = request.headers[REQUEST_ID_HEADER];
  return typeof id === "string" && SAFE_REQUEST_ID.test(id) ? id : undefined;
}

/**
 * fastify's `genReqId`: the request's safe `X-Request-Id`, else fastify's own kind of id (`req-` and a counter in
 * base 36). Ids from different sellers may coincide: a log line's id finds a request, the line's route and time
 * tell two apart.
 */
export function requestIdGenerator(): (request: IncomingMessage) => string {
  const maxCounter = 0x7fffffff; // a small integer for V8, like fastify's own counter
  let counter = 0;
  return (request) => {
    const sellerId = safeRequestId(request);
    if (sellerId !== undefined) return sellerId;
    counter = (counter + 1) & maxCounter;
    return `req-${counter.toString(36)}`;
  };
}

/**
 * Answers with the request's `X-Request-Id` when the exchange took it as the request's id (requestIdGenerator), on
 * every answer of the route, errors included: call it before anything that can fail. A string comparison, not the
 * check again: this runs on every seller request.
 */
export function echoRequestId(request: FastifyRequest, reply: FastifyReply): void {
  if (request.id === request.headers[REQUEST_ID_HEADER]) reply.header(REQUEST_ID_HEADER, request.id);
}

const REQUEST_ID_DOC = {
  type: "string",
  pattern: SAFE_REQUEST_ID_PATTERN,
  maxLength: 64,
};

/**
 * The route's OpenAPI operation with the header: a request parameter and a header of every answer. For the document
 * only (@fastify/swagger's route-level transform): a headers schema on the route itself would have fastify validate
 * every request's headers, and refuse an unsafe id where the exchange ignores it.
 */
const documentRequestId: SwaggerTransform = ({ schema, url }) => {
  const response = Object.fromEntries(
    Object.entries((schema.response ?? {}) as Record<string, object>).map(([status, answer]) => [
      status,
      {
        ...answer,
        headers: {
          [REQUEST_ID_HEADER]: {
            ...REQUEST_ID_DOC,
            description: "The request's X-Request-Id, when it sent a safe one",
          },
        },
      },
    ]),
  );
  const headers = {
    type: "object",
    properties: {
      [REQUEST_ID_HEADER]: {
        ...REQUEST_ID_DOC,
        description:
          "Optional: the seller's id for this request (1–64 characters of A–Z a–z 0–9 . _ : -), echoed on the answer " +
          "and used as the request's id in the exchange's logs. Any other value is ignored (not echoed, not refused).",
      },
    },
  };
  return { schema: { ...schema, headers, response } as FastifySchema, url };
};

/** Route options for a route that echoes the header (see echoRequestId): its OpenAPI operation documents it. */
export const requestIdDocumented = { config: { swaggerTransform: documentRequestId } };
