// The compatible inbound endpoints: boberdoo-, LeadsPedia- and Lead Prosper-shaped requests (their paths, form, JSON
// or XML bodies, keys in the body), answered in each platform's shape, over the exchange's own ping, post and direct
// post. The translators (src/inbound/) are pure; this module reads the body, finds the source and the vertical, calls
// the exchange and sends the translated answer. Every outcome, errors included, is HTTP 200 with the outcome in the
// body, as the platforms answer; request bodies (PII) are never logged.
import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Source } from "../domain/config-schema.ts";
import type { Vertical } from "../domain/vertical.ts";
import type { Exchange } from "../engine/exchange.ts";
import { GavelError } from "../errors.ts";
import { boberdoo, boberdooJsonFields, boberdooXmlFields } from "../inbound/boberdoo.ts";
import { type InboundLead, mapInboundLead, sellerFieldName } from "../inbound/inbound-lead.ts";
import type {
  InboundProtocol,
  InboundReply,
  InboundRequest,
  InboundRoute,
  ReplyShape,
} from "../inbound/inbound-protocol.ts";
import { own } from "../inbound/inbound-protocol.ts";
import { leadProsper } from "../inbound/lead-prosper.ts";
import { leadspedia } from "../inbound/leadspedia.ts";
import type { HotState } from "../state/hot-state.ts";
import { type AnswerObserver, answerTimingHook } from "./answer-timing.ts";
import { sourceOfKey } from "./auth.ts";
import { toGavelError } from "./error-handler.ts";
import { echoRequestId, requestIdDocumented } from "./request-id.ts";

export interface InboundRoutesOptions {
  exchange: Exchange;
  /** Read for a post's held ping, whose non-PII fields fill in those the post leaves out. */
  hotState: HotState;
  /** Hears how long each answer took (the console's live numbers), when given. */
  observeAnswer?: AnswerObserver;
}

interface InboundEndpoint {
  url: string;
  protocol: InboundProtocol;
  route: InboundRoute;
  summary: string;
}

/** Where each platform's sellers post; a seller switches by pointing the same request at Gavel's host. */
export const INBOUND_ENDPOINTS: readonly InboundEndpoint[] = [
  { url: "/new_api/api.php", protocol: boberdoo, route: { format: "xml" }, summary: "boberdoo pingPostLead" },
  { url: "/new_api/apiXML.php", protocol: boberdoo, route: { format: "xml" }, summary: "boberdoo (XML)" },
  { url: "/new_api/apiJSON.php", protocol: boberdoo, route: { format: "json" }, summary: "boberdoo (JSON)" },
  { url: "/apiXML.php", protocol: boberdoo, route: { format: "xml" }, summary: "boberdoo (XML)" },
  { url: "/apiJSON.php", protocol: boberdoo, route: { format: "json" }, summary: "boberdoo (JSON)" },
  { url: "/ping.do", protocol: leadspedia, route: { call: "ping" }, summary: "LeadsPedia ping" },
  { url: "/post.do", protocol: leadspedia, route: { call: "post_or_direct" }, summary: "LeadsPedia post" },
  { url: "/leadprosper/ping", protocol: leadProsper, route: { call: "ping" }, summary: "Lead Prosper ping" },
  { url: "/leadprosper/post", protocol: leadProsper, route: { call: "post" }, summary: "Lead Prosper post" },
  {
    url: "/leadprosper/direct_post",
    protocol: leadProsper,
    route: { call: "direct" },
    summary: "Lead Prosper direct post",
  },
];

const MAX_ID_LENGTH = 100;

declare module "fastify" {
  interface FastifyContextConfig {
    inbound?: { protocol: InboundProtocol; route: InboundRoute };
  }
}

export function inboundRoutes(options: InboundRoutesOptions) {
  const { exchange, hotState } = options;
  const onResponse = answerTimingHook(options.observeAnswer);
  return async (app: FastifyInstance): Promise<void> => {
    // A seller's safe X-Request-Id comes back here as on the native API (src/http/request-id.ts), first, so a refused
    // request's answer (a bad key, a body fastify cannot read) carries it too.
    app.addHook("onRequest", (request, reply, done) => {
      echoRequestId(request, reply);
      done();
    });
    // Form bodies only here: the native API stays JSON-only.
    await app.register(formbody);
    app.addContentTypeParser(["application/xml", "text/xml"], { parseAs: "string" }, (_request, body, done) =>
      done(null, body),
    );
    // A body fastify cannot read (bad JSON, too large, unknown media type) is answered in the platform's shape too.
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const inbound = request.routeOptions.config.inbound;
      let gavelError = toGavelError(error);
      if (!inbound) return reply.code(gavelError.status).send(gavelError.toJSON());
      logUnexpected(request, error, gavelError);
      if (gavelError.code === "GAVEL_UNSUPPORTED_MEDIA_TYPE") gavelError = unsupportedBody(inbound.protocol);
      const shape = inbound.protocol.replyShape(
        (request.query ?? {}) as Record<string, unknown>,
        inbound.route,
      );
      return send(reply, inbound.protocol.answerError(gavelError, "body", shape));
    });

    for (const endpoint of INBOUND_ENDPOINTS) {
      app.route({
        method: ["GET", "POST"],
        url: endpoint.url,
        config: {
          ...requestIdDocumented.config,
          inbound: { protocol: endpoint.protocol, route: endpoint.route },
        },
        ...onResponse,
        schema: {
          tags: ["inbound"],
          summary: `${endpoint.summary} (compatible inbound)`,
          description:
            "The platform's own seller request (form, JSON or XML body, or a GET query; the key in the body), answered " +
            "in the platform's shape, always HTTP 200. See docs/api.md, Compatible inbound.",
          response: { 200: endpoint.protocol.replySchema },
        },
        handler: async (request, reply) => {
          const receivedAt = performance.now();
          const { protocol, route } = endpoint;
          let fields: Record<string, unknown> = {};
          let context: AnswerContext = {};
          try {
            fields = requestFields(request, protocol);
          } catch (error) {
            return send(reply, answerError(protocol, request, error, {}, protocol.replyShape({}, route)));
          }
          const shape = protocol.replyShape(fields, route);
          try {
            const inbound = protocol.parse(fields, route);
            context = { field: "key" };
            const source = sourceOfKey(request, exchange.config, inbound.key, "Invalid key");
            context = { source };
            const answer = await callExchange(
              exchange,
              // The server's clock (a test's mock clock too), as the exchange reads the held ping with its own.
              { hotState, now: app.clock() },
              protocol,
              source,
              inbound,
              receivedAt,
              context,
            );
            return send(reply, answer(shape));
          } catch (error) {
            return send(reply, answerError(protocol, request, error, context, shape));
          }
        },
      });
    }
  };
}

/** What is known when an error is answered, to name the seller's field in it. */
interface AnswerContext {
  source?: Source;
  mapped?: InboundLead;
  /** Names the field of an error that carries none (a wrong key is the key field's fault). */
  field?: string;
}

function send(reply: FastifyReply, answer: InboundReply): FastifyReply {
  return reply.code(200).type(answer.contentType).send(answer.body);
}

/** The request's fields: the query (boberdoo accepts `Test_Lead=1` on the URL) overlaid by the body. */
function requestFields(request: FastifyRequest, protocol: InboundProtocol): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body === undefined || body === null || body === "") return { ...query };
  if (typeof body === "string") {
    // Only the XML parser hands over text, and only boberdoo speaks XML.
    if (protocol !== boberdoo) throw unsupportedBody(protocol);
    return { ...query, ...boberdooXmlFields(body) };
  }
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new GavelError("GAVEL_VALIDATION", "The body must hold the fields by name", "body");
  }
  const fields = body as Record<string, unknown>;
  return { ...query, ...(protocol === boberdoo ? boberdooJsonFields(fields) : fields) };
}

/** The native API's "Send application/json" would mislead a seller whose platform takes forms. */
function unsupportedBody(protocol: InboundProtocol): GavelError {
  return new GavelError(
    "GAVEL_UNSUPPORTED_MEDIA_TYPE",
    `Send a form (application/x-www-form-urlencoded) or JSON${protocol === boberdoo ? " or XML" : ""} body`,
    "body",
  );
}

type Answer = (shape: ReplyShape) => InboundReply;

/** Maps the request onto the vertical, calls the exchange, and returns how to answer. */
async function callExchange(
  exchange: Exchange,
  held: { hotState: HotState; now: number },
  protocol: InboundProtocol,
  source: Source,
  inbound: InboundRequest,
  receivedAt: number,
  context: AnswerContext,
): Promise<Answer> {
  const subId = checkedId(inbound.subId, "sub_id");
  const common = { test: inbound.test, ...(subId === undefined ? {} : { sub_id: subId }) };
  if (inbound.call === "post") {
    const pingId = checkedId(inbound.pingId, "ping_id") ?? "";
    const heldPing = await held.hotState.getHeldPing(pingId, held.now);
    const heldVertical =
      heldPing?.source_id === source.id ? exchange.config.verticalById.get(heldPing.vertical) : undefined;
    const vertical = heldVertical ?? verticalOf(exchange, source, inbound.campaign);
    const mapped = mapInboundLead(inbound.leadFields, vertical, protocol.fieldMap, source.inbound);
    context.mapped = mapped;
    // A boberdoo post may carry only the post fields: the ping's non-PII values stand for those left out.
    const lead = heldPing && heldVertical ? { ...heldPing.lead, ...mapped.lead } : mapped.lead;
    const answer = await exchange.post(source, {
      ping_id: pingId,
      lead,
      consent: mapped.consent,
      ...withContext(mapped.context),
    });
    return (shape) => protocol.answerPost(answer, shape, "post");
  }
  const vertical = verticalOf(exchange, source, inbound.campaign);
  const mapped = mapInboundLead(inbound.leadFields, vertical, protocol.fieldMap, source.inbound);
  context.mapped = mapped;
  if (inbound.call === "ping") {
    // Consent proof has no place on a Gavel ping (the post carries it); the visit goes as the lead context, which
    // reaches a buyer's ping only where its integration names a field.
    const answer = await exchange.ping(
      source,
      { vertical: vertical.id, lead: mapped.lead, ...withContext(mapped.context), ...common },
      receivedAt,
    );
    return (shape) => protocol.answerPing(answer, shape);
  }
  const answer = await exchange.directPost(
    source,
    {
      vertical: vertical.id,
      lead: mapped.lead,
      consent: mapped.consent,
      ...withContext(mapped.context),
      ...common,
    },
    receivedAt,
  );
  return (shape) => protocol.answerPost(answer, shape, "direct");
}

/** The mapped lead context, when the seller sent any (the native API's `context`). */
function withContext(context: Record<string, string>): { context?: Record<string, string> } {
  return Object.keys(context).length > 0 ? { context } : {};
}

function verticalOf(exchange: Exchange, source: Source, campaign: string): Vertical {
  const verticalId = own(source.inbound?.campaigns, campaign) ?? campaign;
  const vertical = exchange.config.verticalById.get(verticalId);
  if (!vertical) {
    throw new GavelError(
      "GAVEL_UNKNOWN_VERTICAL",
      `Campaign ${campaign} is not a vertical; map it in the source's inbound.campaigns`,
      "vertical",
    );
  }
  return vertical;
}

/** Ids go to the store as they are: bounded, and without NUL (no store holds one). */
function checkedId(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > MAX_ID_LENGTH || value.includes("\u0000")) {
    throw new GavelError(
      "GAVEL_VALIDATION",
      `${field} must be at most ${MAX_ID_LENGTH} characters, without NUL`,
      field,
    );
  }
  return value;
}

function answerError(
  protocol: InboundProtocol,
  request: FastifyRequest,
  error: unknown,
  context: AnswerContext,
  shape: ReplyShape,
): InboundReply {
  const gavelError = error instanceof GavelError ? error : toGavelError(error as FastifyError);
  logUnexpected(request, error, gavelError);
  const sellerName = (path: string) =>
    own(protocol.envelopeNames, path) ??
    sellerFieldName(path, context.mapped?.sentAs, protocol.fieldMap, context.source?.inbound) ??
    path;
  const field = gavelError.field ?? context.field;
  // Missing consent proof names the certificate field, the one most sellers fill.
  const sellerField =
    field === undefined
      ? undefined
      : sellerName(field === "consent" ? "consent.trustedform_cert_url" : field);
  // "lead.zip must be a US ZIP code" says "Zip must be…" to a seller who sent Zip.
  const message = gavelError.message.replace(/\b(?:lead|consent|context)\.[A-Za-z0-9_]+/g, sellerName);
  return protocol.answerError(new GavelError(gavelError.code, message, sellerField), sellerField, shape);
}

/** A bug or an unreachable service is logged (never the body: it may hold PII); a seller's mistake is not. */
function logUnexpected(request: FastifyRequest, error: unknown, gavelError: GavelError): void {
  if (gavelError.code === "GAVEL_INTERNAL") {
    request.log.error(
      { err: error, route: request.routeOptions.url },
      "unhandled error on a compatible endpoint",
    );
  } else if (gavelError.code === "GAVEL_SERVICE_UNAVAILABLE") {
    request.log.warn({ err: error, route: request.routeOptions.url }, "backing service unavailable");
  }
}
