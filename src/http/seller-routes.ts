// The seller API: ping, post, direct post (DESIGN "Contracts").
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Source } from "../domain/config-schema.ts";
import type { DirectPostInput, Exchange, PingInput, PostInput } from "../engine/exchange.ts";
import { type AnswerObserver, answerTimingHook } from "./answer-timing.ts";
import { authenticateSource } from "./auth.ts";
import { VerticalAnswer } from "./config-answer-schemas.ts";
import { echoRequestId, requestIdDocumented } from "./request-id.ts";
import {
  DirectPostBody,
  PingBody,
  PingReply,
  PostBody,
  PostReply,
  postErrors,
  sellerErrors,
} from "./seller-schemas.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** performance.now() when the request arrived: the auction's deadline starts here (DESIGN rule 2). */
    receivedAt: number;
    /** The authenticated source (seller routes only). */
    source: Source;
  }
}

/**
 * The seller API's routes. `observeAnswer`, when given, hears how long each ping, post and direct post took to answer
 * (the console's live numbers); `GET /v1/verticals` is not an answer to time.
 */
export function sellerRoutes(exchange: Exchange, observeAnswer?: AnswerObserver) {
  // A route's own hook, not a root one asking every request's route options (an object fastify builds per call).
  const onResponse = answerTimingHook(observeAnswer);
  return async (app: FastifyInstance): Promise<void> => {
    app.decorateRequest("receivedAt", 0);
    app.decorateRequest("source", undefined as unknown as Source);
    // Authenticate before the body is even read: a stranger learns nothing about the API's shape. A callback hook, not
    // an async one: nothing here waits, and each request would pay for a promise and a turn of the microtask queue.
    app.addHook("onRequest", (request, reply, done) => {
      request.receivedAt = performance.now();
      // First: a refused request's answer carries the seller's id too.
      echoRequestId(request, reply);
      request.source = authenticateSource(request, exchange.config);
      done();
    });
    const security = [{ sourceKey: [] }];

    app.post<{ Body: PingInput }>(
      "/v1/ping",
      {
        ...onResponse,
        ...requestIdDocumented,
        schema: {
          tags: ["seller"],
          summary: "Ping: offer a lead's non-PII fields to buyers and get a price",
          security,
          body: PingBody,
          response: { 200: PingReply, ...sellerErrors },
        },
      },
      // The exchange's promise as it is: an async wrapper would add a promise and two microtask turns per request.
      (request) => exchange.ping(request.source, request.body, request.receivedAt),
    );

    app.post<{ Body: PostInput }>(
      "/v1/post",
      {
        ...onResponse,
        ...requestIdDocumented,
        schema: {
          tags: ["seller"],
          summary: "Post: send the full lead for a ping that got a bid",
          description:
            "Idempotent by ping_id: a retry gets the first answer. The non-PII fields must equal the ping's (else 422).",
          security,
          body: PostBody,
          response: { 200: PostReply, ...sellerErrors, ...postErrors },
        },
      },
      (request) => exchange.post(request.source, request.body),
    );

    app.post<{ Body: DirectPostInput }>(
      "/v1/leads",
      {
        ...onResponse,
        ...requestIdDocumented,
        schema: {
          tags: ["seller"],
          summary:
            "Direct post: the full lead in one call (the exchange pings buyers without PII, then posts)",
          security,
          body: DirectPostBody,
          response: { 200: PostReply, ...sellerErrors },
        },
      },
      (request) => exchange.directPost(request.source, request.body, request.receivedAt),
    );

    app.get(
      "/v1/verticals",
      {
        ...requestIdDocumented,
        schema: {
          tags: ["seller"],
          summary: "The verticals and their fields (which are PII, which go on a ping)",
          security,
          // The verticals as stored, without the schema's defaults (test/http/response-schemas.test.ts proves the
          // configuration's answers keep every field).
          response: { 200: Type.Object({ verticals: Type.Array(VerticalAnswer) }) },
        },
      },
      async () => ({ verticals: exchange.config.verticals }),
    );
  };
}
