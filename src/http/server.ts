// The HTTP server: seller API, admin API, OpenAPI docs, health. Fastify, with strict request validation.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { Suppressions } from "../compliance/suppression/suppressions.ts";
import type { ConsoleAuth } from "../console/console-auth.ts";
import type { LiveStats } from "../console/live-stats.ts";
import type { AuthFailureTallies } from "../console/source-auth-failures.ts";
import type { ConfigService } from "../engine/config-service.ts";
import type { Exchange } from "../engine/exchange.ts";
import type { ReturnsService } from "../engine/returns.ts";
import type { Metrics } from "../metrics.ts";
import type { HotState } from "../state/hot-state.ts";
import type { Store } from "../store/store.ts";
import { type AdminAlertsRoutesOptions, adminAlertsRoutes } from "./admin-alerts-routes.ts";
import { adminAuditRoutes } from "./admin-audit-routes.ts";
import { adminBuyerCapsRoutes } from "./admin-buyer-caps-routes.ts";
import { adminConversionRoutes } from "./admin-conversion-routes.ts";
import { type AdminFundsServices, adminFundsRoutes } from "./admin-funds-routes.ts";
import { adminLeadExportRoutes } from "./admin-lead-export-routes.ts";
import { adminLeadRoutes } from "./admin-lead-routes.ts";
import { adminLedgerRoutes } from "./admin-ledger-routes.ts";
import { adminOutboxRoutes } from "./admin-outbox-routes.ts";
import { adminPauseRoutes } from "./admin-pause-routes.ts";
import { adminPostAttemptRoutes } from "./admin-post-attempt-routes.ts";
import { type AdminPrivacyRoutesOptions, adminPrivacyRoutes } from "./admin-privacy-routes.ts";
import { type AdminReplayRoutesOptions, adminReplayRoutes } from "./admin-replay-routes.ts";
import { adminReportRoutes } from "./admin-report-routes.ts";
import { adminReturnsRoutes } from "./admin-returns-routes.ts";
import { adminRoutes } from "./admin-routes.ts";
import { registerSourceAuthFailures } from "./admin-source-auth-routes.ts";
import { adminTestRoutes } from "./admin-test-routes.ts";
import { buyerExportRoutes } from "./buyer-export-routes.ts";
import { buyerRoutes } from "./buyer-routes.ts";
import { consoleRoutes } from "./console-routes.ts";
import { consoleSessionHook } from "./console-session.ts";
import { consoleStatic } from "./console-static.ts";
import { handleError, handleNotFound } from "./error-handler.ts";
import { fastifyTrustProxy, type HttpServerLimits, httpServerLimits } from "./http-options.ts";
import { inboundRoutes } from "./inbound-routes.ts";
import { registerOpenApi } from "./openapi.ts";
import { operationsRoutes } from "./operations-routes.ts";
import { postingSpecRoutes } from "./posting-spec-routes.ts";
import { requestIdGenerator } from "./request-id.ts";
import { deferredChildLogger } from "./request-logger.ts";
import { cachedSchemaCompilers } from "./schema-compilers.ts";
import { sellerRoutes } from "./seller-routes.ts";
import { sourcePortalRoutes } from "./source-portal-routes.ts";
import { suppressionRoutes } from "./suppression-routes.ts";

export interface ServerOptions {
  exchange: Exchange;
  config: ConfigService;
  store: Store;
  hotState: HotState;
  /** Refused source keys' counts (the hot state's: Redis on the distributed backend); this process's without it. */
  authFailureTallies?: AuthFailureTallies;
  metrics: Metrics;
  adminKeySha256: string;
  log: Logger;
  /** Suppression lists (their admin API is served only when given). */
  suppressions?: Suppressions;
  /** Buyer deposits, funds and resume (their admin API is served only when given). */
  funds?: AdminFundsServices;
  /** Returns and return rates (their admin API is served only when given). */
  returns?: ReturnsService;
  /** Asks the outbox worker to deliver now. */
  wakeOutbox: () => void;
  /** The in-process duplicate windows' evictions still in force, for the alerts (embedded backend only). */
  duplicateWindowEvictions?: AdminAlertsRoutesOptions["duplicateWindowEvictions"];
  /** The web console: logins and sessions, live numbers (its API and the built app are served only when given). */
  console?: { auth: ConsoleAuth; live: LiveStats };
  /** Consumer privacy: access and erasure requests, the retention purge (their admin API is served only when given). */
  privacy?: Omit<AdminPrivacyRoutesOptions, "store" | "adminKeySha256">;
  /** The recorded auctions of a period, for what-if replay (its admin API is served only when given). */
  auctionHistory?: AdminReplayRoutesOptions["auctionHistory"];
  /** Largest request body accepted (bytes). */
  bodyLimit?: number;
  /** Timeouts on slow clients and trust in proxies (default: httpServerLimits' defaults). */
  limits?: HttpServerLimits;
  /** Wall clock (epoch ms) for time-limited credentials, such as a rotated source key's grace period. */
  now?: () => number;
}

/** How often Node looks for requests past their timeouts (its default, 30 s, would let them run that much longer). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits =
    options.limits ?? httpServerLimits(undefined, options.config.snapshot.settings.post_deadline_ms);
  const app = Fastify({
    // A client that sends its headers or body slowly, or half and stops, is answered 408 and closed, not waited for.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    trustProxy: fastifyTrustProxy(limits.trustProxy),
    loggerInstance: options.log as FastifyBaseLogger,
    // Request logs would be one line per ping; the metrics (src/metrics.ts: pings, posts, buyer requests) count them.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's pino child is made when the request first logs (most never do), not when it arrives.
    childLoggerFactory: deferredChildLogger,
    // A seller's safe X-Request-Id is the request's id in log lines (and the seller routes echo it: request-id.ts).
    genReqId: requestIdGenerator(),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    return503OnClosing: true,
    ajv: {
      // Wrong types are errors, not something to coerce; unknown properties are refused, not silently dropped.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: true },
    },
    // The routes' schemas compiled once a process, not once an exchange: tests and `gavel simulate` start many.
    schemaController: { compilersFactory: cachedSchemaCompilers },
  });
  // JSON only: fastify's default text/plain parser would turn a text body into a confusing validation error.
  app.removeContentTypeParser("text/plain");
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  await registerOpenApi(app);
  if (options.console) {
    const { auth, live } = options.console;
    // Only requests that carry a session token pay for its lookup; seller traffic carries none.
    app.addHook("onRequest", consoleSessionHook(auth));
    await app.register(
      consoleRoutes({
        auth,
        config: options.config,
        live,
        adminKeySha256: options.adminKeySha256,
        store: options.store,
      }),
    );
    await app.register(sourcePortalRoutes({ config: options.config, store: options.store }));
    await app.register(consoleStatic());
  }
  app.decorate("clock", options.now ?? Date.now);
  registerSourceAuthFailures(app, options.adminKeySha256, app.clock, options.authFailureTallies);
  // The seller routes time their own answers for the console's live numbers (src/http/answer-timing.ts).
  const live = options.console?.live;
  const observeAnswer = live ? (ms: number) => live.observeSellerRequest(ms) : undefined;
  await app.register(sellerRoutes(options.exchange, observeAnswer));
  await app.register(
    inboundRoutes({ exchange: options.exchange, hotState: options.hotState, observeAnswer }),
  );
  await app.register(postingSpecRoutes({ config: options.config }));
  await app.register(buyerExportRoutes({ config: options.config, store: options.store }));
  await app.register(
    buyerRoutes({
      config: options.config,
      store: options.store,
      returns: options.returns,
      ...(options.funds ? { funds: options.funds } : {}),
    }),
  );
  await app.register(adminRoutes({ config: options.config, adminKeySha256: options.adminKeySha256 }));
  await app.register(
    adminLeadRoutes({
      store: options.store,
      adminKeySha256: options.adminKeySha256,
      flushEvents: () => options.exchange.flush(),
    }),
  );
  await app.register(
    adminOutboxRoutes({
      store: options.store,
      adminKeySha256: options.adminKeySha256,
      wakeOutbox: options.wakeOutbox,
    }),
  );
  await app.register(adminLeadExportRoutes({ store: options.store, adminKeySha256: options.adminKeySha256 }));
  await app.register(adminPauseRoutes({ config: options.config, adminKeySha256: options.adminKeySha256 }));
  if (options.suppressions) {
    await app.register(
      suppressionRoutes({
        suppressions: options.suppressions,
        config: options.config,
        adminKeySha256: options.adminKeySha256,
      }),
    );
  }
  if (options.privacy) {
    await app.register(
      adminPrivacyRoutes({
        ...options.privacy,
        store: options.store,
        adminKeySha256: options.adminKeySha256,
      }),
    );
  }
  if (options.funds) {
    await app.register(
      adminFundsRoutes({
        ...options.funds,
        config: options.config,
        adminKeySha256: options.adminKeySha256,
        store: options.store,
      }),
    );
    await app.register(
      adminAlertsRoutes({
        config: options.config,
        store: options.store,
        funds: options.funds.funds,
        caps: options.funds.caps,
        adminKeySha256: options.adminKeySha256,
        flushEvents: () => options.exchange.flush(),
        ...(options.wakeOutbox ? { wakeOutbox: options.wakeOutbox } : {}),
        ...(options.duplicateWindowEvictions
          ? { duplicateWindowEvictions: options.duplicateWindowEvictions }
          : {}),
      }),
    );
    await app.register(
      adminBuyerCapsRoutes({
        caps: options.funds.caps,
        config: options.config,
        adminKeySha256: options.adminKeySha256,
      }),
    );
  }
  await app.register(adminLedgerRoutes({ store: options.store, adminKeySha256: options.adminKeySha256 }));
  await app.register(adminAuditRoutes({ store: options.store, adminKeySha256: options.adminKeySha256 }));
  await app.register(
    adminPostAttemptRoutes({
      store: options.store,
      adminKeySha256: options.adminKeySha256,
      config: options.config,
      ...(options.wakeOutbox ? { wakeOutbox: options.wakeOutbox } : {}),
    }),
  );
  if (options.returns) {
    await app.register(
      adminReturnsRoutes({
        returns: options.returns,
        adminKeySha256: options.adminKeySha256,
        store: options.store,
      }),
    );
  }
  await app.register(
    adminReportRoutes({
      store: options.store,
      adminKeySha256: options.adminKeySha256,
      flushEvents: () => options.exchange.flush(),
    }),
  );
  if (options.auctionHistory) {
    await app.register(
      adminReplayRoutes({
        store: options.store,
        adminKeySha256: options.adminKeySha256,
        auctionHistory: options.auctionHistory,
        flushEvents: () => options.exchange.flush(),
      }),
    );
  }
  await app.register(
    adminTestRoutes({
      exchange: options.exchange,
      store: options.store,
      adminKeySha256: options.adminKeySha256,
    }),
  );
  await app.register(adminConversionRoutes({ store: options.store, adminKeySha256: options.adminKeySha256 }));
  await app.register(
    operationsRoutes({
      store: options.store,
      hotState: options.hotState,
      metrics: options.metrics,
      adminKeySha256: options.adminKeySha256,
    }),
  );
  app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/docs"));
  return app;
}
