// The bidder's HTTP face: one path per configured exchange, speaking that exchange's shape, and a small admin API
// (conversions, reports, status) for the firm. Every exchange route answers; a ping that cannot be decided in time
// answers no bid.
//
//   native      POST /bid/<exchange>/ping, /bid/<exchange>/post      (Gavel's native buyer protocol)
//   boberdoo    POST|GET /bid/<exchange>/api.php                      (pingPostLead: Mode=ping|post|full)
//   leadspedia  POST|GET /bid/<exchange>/ping.do, /bid/<exchange>/post.do
//   lead_prosper POST /bid/<exchange>/ping, /bid/<exchange>/post, /bid/<exchange>/direct_post (JSON or form)
//   px          POST /bid/<exchange>/ping, /bid/<exchange>/post, /bid/<exchange>/directpost (JSON, XML or form)
//   admin       POST /v1/conversions, GET /v1/reports, GET /v1/status, GET /status (a page)
import { createHash, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { dollarsToCents } from "../domain/money.ts";
import { GavelError } from "../errors.ts";
import type { Bidder } from "./bidder.ts";
import type { BidderExchange, BidderProtocol } from "./bidder-config.ts";
import { buildReport, suggestBids } from "./bidder-reports.ts";
import { bidderStatus, statusPage } from "./bidder-status.ts";
import { REPORT_DIMENSIONS, type ReportDimension } from "./bidder-store.ts";
import {
  answerPlatformError,
  type PlatformName,
  type PlatformRoute,
  platformCall,
} from "./platform-shapes.ts";
import { pxBodyFields } from "./px-shape.ts";

declare module "fastify" {
  interface FastifyRequest {
    arrivedAt: number;
  }
}

export interface BidderServerOptions {
  bidder: Bidder;
  adminKey: string;
}

const BODY_LIMIT = 256 * 1024;

/** The paths under /bid/<exchange>/ each protocol is answered on: what `gavel bid` prints for each exchange. */
export const EXCHANGE_PATHS: Readonly<Record<BidderProtocol, readonly string[]>> = {
  native: ["ping", "post"],
  boberdoo: ["api.php"],
  leadspedia: ["ping.do", "post.do"],
  lead_prosper: ["ping", "post", "direct_post"],
  px: ["ping", "post", "directpost"],
};

export async function buildBidderServer(options: BidderServerOptions): Promise<FastifyInstance> {
  const { bidder } = options;
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  app.decorateRequest("arrivedAt", 0);
  // The deadline counts from the first byte we saw, so time spent parsing the body is our time too.
  app.addHook("onRequest", async (request) => {
    request.arrivedAt = performance.now();
  });
  await app.register(formbody);
  // PX may send its lead document as XML (src/bidder/px-shape.ts reads it).
  app.addContentTypeParser(["application/xml", "text/xml"], { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error, _request, reply) => {
    const gavel =
      error instanceof GavelError
        ? error
        : (error as { statusCode?: number }).statusCode === 413
          ? new GavelError("GAVEL_PAYLOAD_TOO_LARGE")
          : (error as { statusCode?: number }).statusCode === 415
            ? new GavelError("GAVEL_UNSUPPORTED_MEDIA_TYPE", "Send JSON or a form")
            : (error as { statusCode?: number }).statusCode === 400
              ? new GavelError("GAVEL_INVALID_JSON")
              : new GavelError("GAVEL_INTERNAL");
    void reply.status(gavel.status).send({
      error: { code: gavel.code, message: gavel.message, ...(gavel.field ? { field: gavel.field } : {}) },
    });
  });

  const exchanges = new Map(bidder.config.exchanges.map((exchange) => [exchange.id, exchange]));
  const protocolOf = (request: FastifyRequest) =>
    exchanges.get((request.params as { exchange: string }).exchange)?.protocol;
  const exchangeFor = (request: FastifyRequest, protocol: BidderExchange["protocol"]) => {
    const id = (request.params as { exchange: string }).exchange;
    const exchange = exchanges.get(id);
    if (!exchange || exchange.protocol !== protocol)
      throw new GavelError("GAVEL_NOT_FOUND", `No ${protocol} exchange ${id} here`);
    return exchange;
  };

  // --- Gavel's native buyer protocol ---------------------------------------------------------------------------
  const nativeKey = (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header?.startsWith("Bearer ")) return header.slice(7);
    const query = (request.query as Record<string, unknown>).key;
    return typeof query === "string" ? query : undefined;
  };
  app.post("/bid/:exchange/ping", async (request, reply) => {
    const protocol = protocolOf(request);
    if (protocol === "lead_prosper" || protocol === "px")
      return platformRoute(protocol, "ping")(request, reply);
    const exchange = exchangeFor(request, "native");
    requireKey(exchange, nativeKey(request), "authorization");
    const body = objectBody(request.body);
    const lead = body.lead;
    if (typeof lead !== "object" || lead === null || Array.isArray(lead))
      throw new GavelError("GAVEL_VALIDATION", "lead must be an object", "lead");
    if (typeof body.vertical !== "string")
      throw new GavelError("GAVEL_VALIDATION", "vertical must be a string", "vertical");
    const answer = bidder.ping({
      exchangeId: exchange.id,
      vertical: body.vertical,
      lead: lead as Record<string, unknown>,
      ...contactHashes(body.contact_hash),
      ...optionalText("source", body.source),
      ...optionalText("subId", body.sub_id),
      test: body.test === true || exchange.test === true,
      ...(typeof body.tmax_ms === "number" && body.tmax_ms > 0 ? { tmaxMs: body.tmax_ms } : {}),
      arrivedAt: request.arrivedAt,
    });
    return answer.bid
      ? { bid: true, price: answer.priceCents / 100, bid_id: answer.bidId, expires_in_s: answer.expiresInS }
      : { bid: false, reason: answer.reason };
  });
  app.post("/bid/:exchange/post", async (request, reply) => {
    const protocol = protocolOf(request);
    if (protocol === "lead_prosper" || protocol === "px")
      return platformRoute(protocol, "post")(request, reply);
    const exchange = exchangeFor(request, "native");
    requireKey(exchange, nativeKey(request), "authorization");
    const body = objectBody(request.body);
    const bidId =
      typeof body.bid_id === "string" || typeof body.bid_id === "number" ? String(body.bid_id) : "";
    if (!bidId)
      throw new GavelError("GAVEL_VALIDATION", "bid_id (from the ping's answer) is required", "bid_id");
    const lead = body.lead;
    if (typeof lead !== "object" || lead === null || Array.isArray(lead))
      throw new GavelError("GAVEL_VALIDATION", "lead must be an object", "lead");
    const answer = bidder.post({ exchangeId: exchange.id, bidId, lead: lead as Record<string, unknown> });
    return answer.accepted
      ? { accepted: true, buyer_lead_id: answer.leadId }
      : { accepted: false, reason: answer.reason };
  });

  // --- boberdoo, LeadsPedia and Lead Prosper, in the shapes those platforms send to their buyers ------------------------------
  function platformRoute(platform: PlatformName, route: PlatformRoute) {
    return async function handler(request: FastifyRequest, reply: FastifyReply) {
      const exchange = exchanges.get((request.params as { exchange: string }).exchange);
      if (!exchange || exchange.protocol !== platform)
        throw new GavelError("GAVEL_NOT_FOUND", `No ${platform} exchange here`);
      // PX answers in XML when the lead came as XML or the request asks for it (its API 2.0 Accept header).
      const xml =
        platform === "px" &&
        (typeof request.body === "string" || /xml/i.test(String(request.headers.accept ?? "")));
      let answer: { contentType: string; body: string };
      let fields: Record<string, unknown> = {};
      try {
        fields = platform === "px" ? pxBodyFields(request.body) : platformFields(request);
        answer = platformCall(
          bidder,
          exchange,
          platform,
          route,
          fields,
          request.arrivedAt,
          (key, field) => requireKey(exchange, key, field),
          xml,
        );
      } catch (error) {
        if (!(error instanceof GavelError)) throw error;
        answer = answerPlatformError(platform, route, fields, error, xml);
      }
      // The platforms answer every request with HTTP 200; the outcome is in the body.
      return reply.status(200).type(answer.contentType).send(answer.body);
    };
  }
  for (const method of ["GET", "POST"] as const) {
    app.route({ method, url: "/bid/:exchange/api.php", handler: platformRoute("boberdoo", "api") });
    app.route({ method, url: "/bid/:exchange/ping.do", handler: platformRoute("leadspedia", "ping") });
    app.route({ method, url: "/bid/:exchange/post.do", handler: platformRoute("leadspedia", "post") });
  }
  app.post("/bid/:exchange/direct_post", platformRoute("lead_prosper", "direct"));
  app.post("/bid/:exchange/directpost", platformRoute("px", "direct"));

  // --- the firm's own API ----------------------------------------------------------------------------------------
  const adminKeyHash = sha256(options.adminKey);
  const requireAdmin = (request: FastifyRequest) => {
    const header = request.headers.authorization;
    // A person opening /status in a browser cannot send a header: the key may come as ?key= there.
    const query = (request.query as Record<string, unknown>).key;
    const key = header?.startsWith("Bearer ")
      ? header.slice(7)
      : typeof query === "string"
        ? query
        : undefined;
    if (!key || !sameHash(sha256(key), adminKeyHash)) throw new GavelError("GAVEL_UNAUTHORIZED");
  };
  app.post("/v1/conversions", async (request) => {
    requireAdmin(request);
    const body = objectBody(request.body);
    if (typeof body.lead_id !== "string" || body.lead_id === "")
      throw new GavelError(
        "GAVEL_VALIDATION",
        "lead_id must be the buyer_lead_id of a bought lead",
        "lead_id",
      );
    for (const flag of ["contacted", "signed"] as const)
      if (body[flag] !== undefined && typeof body[flag] !== "boolean")
        throw new GavelError("GAVEL_VALIDATION", `${flag} must be true or false`, flag);
    if (
      body.value !== undefined &&
      (typeof body.value !== "number" || !(body.value >= 0) || body.value > 1e9)
    )
      throw new GavelError("GAVEL_VALIDATION", "value must be a number of dollars, 0 or more", "value");
    const recorded = bidder.store.recordConversion(
      body.lead_id,
      {
        ...(body.contacted === true ? { contacted: true } : {}),
        ...(body.signed === true ? { signed: true } : {}),
        ...(typeof body.value === "number" ? { valueCents: dollarsToCents(body.value) } : {}),
      },
      bidder.now(),
    );
    if (!recorded) throw new GavelError("GAVEL_NOT_FOUND", `No bought lead ${body.lead_id}`, "lead_id");
    if (body.signed === true) bidder.refreshOutcomes();
    return { lead_id: body.lead_id, recorded: true };
  });
  app.get("/v1/reports", async (request) => {
    requireAdmin(request);
    const query = request.query as Record<string, string | undefined>;
    const by = (query.by ?? "source") as ReportDimension;
    if (!REPORT_DIMENSIONS.includes(by))
      throw new GavelError("GAVEL_VALIDATION", `by must be one of ${REPORT_DIMENSIONS.join(", ")}`, "by");
    const from = query.from === undefined ? 0 : Date.parse(query.from);
    const to = query.to === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(query.to);
    if (Number.isNaN(from))
      throw new GavelError("GAVEL_VALIDATION", "from must be an ISO date or time", "from");
    if (Number.isNaN(to)) throw new GavelError("GAVEL_VALIDATION", "to must be an ISO date or time", "to");
    return {
      by,
      rows: buildReport(bidder.store, by, from, to),
      suggestions: suggestBids(bidder.config, bidder.store),
    };
  });
  app.get("/v1/status", async (request) => {
    requireAdmin(request);
    return bidderStatus(bidder);
  });
  app.get("/status", async (request, reply) => {
    requireAdmin(request);
    return reply.type("text/html; charset=utf-8").send(statusPage(bidderStatus(bidder)));
  });
  app.get("/health", async () => ({ ok: true }));
  return app;
}

function requireKey(exchange: BidderExchange, key: string | undefined, field: string): void {
  if (!key || !sameHash(sha256(key), exchange.key_sha256))
    throw new GavelError("GAVEL_UNAUTHORIZED", `Missing or wrong key for exchange ${exchange.id}`, field);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new GavelError("GAVEL_VALIDATION", "The body must be a JSON object", "body");
  return body as Record<string, unknown>;
}

/** A platform request's fields: the form or JSON body, or the query of a GET. */
function platformFields(request: FastifyRequest): Record<string, unknown> {
  const source = request.method === "GET" ? request.query : request.body;
  if (typeof source !== "object" || source === null || Array.isArray(source)) return {};
  return source as Record<string, unknown>;
}

function contactHashes(value: unknown): { contactHashes?: { email_sha256?: string; phone_sha256?: string } } {
  if (typeof value !== "object" || value === null) return {};
  const { email_sha256: email, phone_sha256: phone } = value as Record<string, unknown>;
  const hex = (text: unknown) =>
    typeof text === "string" && /^[0-9a-fA-F]{64}$/.test(text) ? text : undefined;
  const hashes = {
    ...(hex(email) ? { email_sha256: hex(email)! } : {}),
    ...(hex(phone) ? { phone_sha256: hex(phone)! } : {}),
  };
  return Object.keys(hashes).length > 0 ? { contactHashes: hashes } : {};
}

function optionalText<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return typeof value === "string" && value !== ""
    ? ({ [key]: value.slice(0, 200) } as { [P in K]?: string })
    : {};
}
