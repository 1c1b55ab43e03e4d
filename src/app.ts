// Wires one exchange process together: store, configuration, hot state, engine, HTTP server.

import { randomBytes } from "node:crypto";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import { openBackends, openHotState } from "./backends.ts";
import { BuyerHttpClient } from "./buyers/buyer-http-client.ts";
import { consentServices } from "./compliance/consent/consent-providers.ts";
import { PiiRetention } from "./compliance/privacy/pii-retention.ts";
import { PrivacyRequests } from "./compliance/privacy/privacy-requests.ts";
import { sha256Hex } from "./compliance/sha256-hex.ts";
import { Suppressions } from "./compliance/suppression/suppressions.ts";
import { MxCheck } from "./compliance/validation/mx-check.ts";
import { ConsoleAuth, type NewUser } from "./console/console-auth.ts";
import { LiveStats } from "./console/live-stats.ts";
import { smtpMailer } from "./deliveries/smtp-mailer.ts";
import type { ConfigFile } from "./domain/config-schema.ts";
import { systemContext } from "./engine/audit-trail.ts";
import { ConfigService } from "./engine/config-service.ts";
import type { ConfigSnapshot } from "./engine/config-snapshot.ts";
import { Exchange, postClaimLeaseMs } from "./engine/exchange.ts";
import { BuyerFunds } from "./engine/funds.ts";
import { OutboxWorker, type RetryPolicy } from "./engine/outbox-worker.ts";
import { PostAttemptReconciler } from "./engine/post-reconciler.ts";
import { ReturnsService } from "./engine/returns.ts";
import { httpServerLimits } from "./http/http-options.ts";
import { buildServer } from "./http/server.ts";
import { createLogger } from "./logger.ts";
import { Metrics } from "./metrics.ts";
import { MemoryDuplicateWindows } from "./state/duplicates/memory-duplicate-windows.ts";
import { chooseStorage } from "./storage-choice.ts";

export interface GavelOptions {
  /** Configuration applied on top of what the store holds (the file wins for the entities it names). */
  config?: ConfigFile;
  /** Folder for the embedded store (created when missing). */
  dataDir: string;
  /** PostgreSQL instead of SQLite (default: DATABASE_URL unless empty, then the config file's storage.database_url). */
  databaseUrl?: string;
  /** Redis for hot state instead of process memory (default: REDIS_URL unless empty, then storage.redis_url). */
  redisUrl?: string;
  port?: number;
  host?: string;
  /** The admin key in clear; else GAVEL_ADMIN_KEY, else the config's admin_key_sha256, else a fresh one is printed. */
  adminKey?: string;
  logLevel?: string;
  log?: Logger;
  /** Wall clock (epoch ms), injectable for tests. */
  now?: () => number;
  /** How the outbox retries failed deliveries (tests shorten it). */
  outboxRetry?: RetryPolicy;
  /** Console users to create or update at start (the config file's `users`, with password hashes). */
  consoleUsers?: readonly NewUser[];
  /** Where requests to buyers go instead of real sockets: tests pass an undici `MockAgent` (see buyer-http-client.ts). */
  buyerDispatcher?: Dispatcher;
  /**
   * Talks to buyers instead of the HTTP client: gavel simulate answers for its simulated buyers in process, in virtual
   * time, which a dispatcher cannot do. The HTTP client measures each answer's latency on the process's real clock and
   * enforces each budget with a real timer; a dispatcher can only answer (or fail) in real time, so simulated latencies
   * through one would have to be slept for (minutes a run, and timeouts near the budget decided by the machine's load:
   * not the same table for the same seed), or be passed back to the client by a side channel only the simulator uses.
   */
  buyerClient?: BuyerHttpClient;
}

export interface RunningGavel {
  url: string;
  /** The backends and where their data lives, e.g. "SQLite /var/lib/gavel/gavel.db + memory" (no secrets). */
  backends: string;
  /** Set when the admin key was generated at start (no key configured): print it once. */
  generatedAdminKey?: string;
  exchange: Exchange;
  /** How long close() lets requests in flight run before it closes their connections. */
  shutdownGraceMs: number;
  /** A request answered in process, without a socket (fastify's `inject`): for tests where the wire adds nothing. */
  inject(request: InjectOptions): Promise<LightMyRequestResponse>;
  /**
   * Stops accepting requests, lets in-flight auctions and posts finish (connections still open after the grace
   * period are closed), writes buffered events, closes the store.
   */
  close(): Promise<void>;
}

export async function startGavel(options: GavelOptions): Promise<RunningGavel> {
  const log = options.log ?? createLogger(options.logLevel);
  const now = options.now ?? Date.now;
  const storage = options.config?.storage;
  const { ignoredVariables, ...chosen } = chooseStorage({
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    storage,
  });
  for (const name of ignoredVariables) log.warn(`${name} is set but empty: ignored`);
  const { store, description } = await openBackends({
    dataDir: options.dataDir,
    ...chosen,
    now,
    log,
  });
  let exchange: Exchange | undefined;
  let onConfigChange = (snapshot: ConfigSnapshot) => exchange?.useConfig(snapshot);
  const config = await ConfigService.open(store, options.config, (snapshot) => onConfigChange(snapshot));
  const suppressions = await Suppressions.open(store);
  const funds = await BuyerFunds.open(store);
  // Another instance changed the configuration, a suppression list or a buyer's deposits: reload what changed (within
  // a second, via LISTEN/NOTIFY); everything when the watch reconnected and may have missed changes.
  const stopWatching = await store.watchConfig?.((change) => {
    if (!change || change.topic === "config")
      config.reload().catch((error: unknown) => log.error({ err: error }, "reloading configuration failed"));
    if (!change || change.topic === "suppressions") {
      (change ? suppressions.hear(change) : suppressions.reload()).catch((error: unknown) =>
        log.error({ err: error }, "reloading suppression lists failed"),
      );
    }
    if (!change || change.topic === "funds")
      funds.reload().catch((error: unknown) => log.error({ err: error }, "reloading buyer deposits failed"));
  });
  // A configuration change another instance made between the load above and the start of the watch was not heard:
  // read it once more now that every later change will be.
  if (stopWatching) await config.reload();
  const client =
    options.buyerClient ??
    new BuyerHttpClient({
      maxResponseBytes: config.snapshot.settings.max_buyer_response_bytes,
      ...(options.buyerDispatcher ? { dispatcher: options.buyerDispatcher } : {}),
    });
  const metrics = new Metrics();
  const consent = consentServices(options.config?.consent_providers);
  // Memory or Redis, chosen with the store: seeded from the store before the first request.
  const hot = await openHotState({
    ...(chosen.redisUrl ? { redisUrl: chosen.redisUrl } : {}),
    ...(chosen.redisKeyPrefix ? { redisKeyPrefix: chosen.redisKeyPrefix } : {}),
    ...(chosen.duplicateWindowMaxKeys ? { duplicateWindowMaxKeys: chosen.duplicateWindowMaxKeys } : {}),
    store,
    config: () => config.snapshot,
    now,
    log,
  });
  const { hotState, ...counters } = hot;
  const memoryDuplicates =
    counters.duplicates instanceof MemoryDuplicateWindows ? counters.duplicates : undefined;
  if (memoryDuplicates) metrics.watchDuplicateWindows(memoryDuplicates);
  await funds.restoreSpent(config.snapshot.buyers, counters.caps);
  onConfigChange = (snapshot) => {
    exchange?.useConfig(snapshot);
    funds
      .restoreSpent(snapshot.buyers, counters.caps)
      .catch((error: unknown) => log.error({ err: error }, "restoring prepaid buyers' spend failed"));
  };
  const smtp = options.config?.smtp;
  // E-mail deliveries go through the operator's SMTP server; the password may come from the environment instead.
  const mailer = smtp ? smtpMailer(smtp, process.env.GAVEL_SMTP_PASSWORD) : undefined;
  const outbox = new OutboxWorker({
    store,
    client,
    log,
    config: () => config.snapshot,
    ...(mailer ? { mailer } : {}),
    ...(process.env.GAVEL_ALERT_WEBHOOK_SECRET
      ? { alertWebhookSecret: process.env.GAVEL_ALERT_WEBHOOK_SECRET }
      : {}),
    now,
    ...(options.outboxRetry ? { retry: options.outboxRetry } : {}),
  });
  exchange = new Exchange({
    config: config.snapshot,
    store,
    hotState,
    client,
    log,
    metrics,
    now,
    consent,
    suppressions: suppressions.index,
    caps: counters.caps,
    throttle: counters.throttle,
    duplicates: counters.duplicates,
    funds,
    failureStreaks: counters.failureStreaks,
    // Asked only for a vertical whose validation has check_mx (off by default).
    mx: new MxCheck(),
    pauseBuyer: async (buyerId) => {
      if (config.snapshot.buyerById.get(buyerId)?.status !== "active") return;
      await config.updateBuyer(
        buyerId,
        (buyer) => (buyer.status === "active" ? { ...buyer, status: "paused" } : buyer),
        // The audit trail names who paused it: Gavel, after the buyer's posts kept failing.
        systemContext("post-failures"),
      );
    },
    onOutbox: () => outbox.wake(),
  });

  // Posts cut off by a crash (this process's last run, or a dead instance's) are listed for the operator.
  const postAttempts = new PostAttemptReconciler({
    store,
    log,
    now,
    staleAfterMs: () =>
      config.snapshot.settings.post_deadline_ms + postClaimLeaseMs(config.snapshot.settings),
  });
  await postAttempts.start(!chosen.databaseUrl);

  // Consumer privacy (docs/privacy.md): the retention purge on a schedule, and access and erasure requests.
  const retention = new PiiRetention({ store, config: () => config.snapshot, log, now });
  const privacyRequests = new PrivacyRequests({ store, suppressions, config: () => config.snapshot, now });

  const adminKey = options.adminKey ?? process.env.GAVEL_ADMIN_KEY;
  const generatedAdminKey =
    adminKey || options.config?.admin_key_sha256
      ? undefined
      : `gvl_admin_${randomBytes(24).toString("base64url")}`;
  const adminKeySha256 = adminKey
    ? sha256Hex(adminKey)
    : (options.config?.admin_key_sha256 ?? sha256Hex(generatedAdminKey!));

  const consoleAuth = new ConsoleAuth({ store, now, loginThrottle: hot.loginThrottle });
  for (const user of options.consoleUsers ?? []) await consoleAuth.putFileUser(user);

  const limits = httpServerLimits(options.config?.http, config.snapshot.settings.post_deadline_ms);
  const app = await buildServer({
    limits,
    exchange,
    config,
    store,
    hotState,
    authFailureTallies: hot.authFailureTallies,
    metrics,
    suppressions,
    funds: { funds, caps: counters.caps, failureStreaks: counters.failureStreaks },
    returns: new ReturnsService({
      store,
      config: () => config.snapshot,
      funds,
      now,
      onOutbox: () => outbox.wake(),
      resell: (lead, excludeBuyers) => exchange!.resell(lead, excludeBuyers),
    }),
    adminKeySha256,
    log,
    now,
    auctionHistory: (period) => store.auctionHistory(period),
    wakeOutbox: () => outbox.wake(),
    ...(memoryDuplicates ? { duplicateWindowEvictions: () => memoryDuplicates.evictionsInForce } : {}),
    privacy: { requests: privacyRequests, retention },
    console: {
      auth: consoleAuth,
      live: new LiveStats({
        registry: metrics.registry,
        config: () => config.snapshot,
        store,
        ...(hot.liveBoard ? { board: hot.liveBoard } : {}),
      }),
    },
  });
  log.info({ backends: description }, `state backends: ${description}`);
  outbox.start();
  retention.start();
  await app.listen({ port: options.port ?? 8080, host: options.host ?? "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host && options.host !== "0.0.0.0" ? options.host : "127.0.0.1"}:${port}`;
  const running = exchange;
  return {
    url,
    backends: description,
    ...(generatedAdminKey ? { generatedAdminKey } : {}),
    exchange: running,
    shutdownGraceMs: limits.shutdownGraceMs,
    inject: (request) => app.inject(request),
    async close() {
      // A keep-alive connection busy when closing began becomes idle once its request is answered; close it then,
      // or the server would wait for the client's keep-alive timeout.
      const closeIdle = setInterval(() => app.server.closeIdleConnections(), 50);
      // A request still running after the grace period (a client that sent half a body and stopped, a slow upload)
      // loses its connection, so a shutdown never waits on a client.
      const graceOver = setTimeout(() => {
        log.warn(
          { grace_ms: limits.shutdownGraceMs },
          "shutdown grace period over: closing connections still open",
        );
        app.server.closeAllConnections();
      }, limits.shutdownGraceMs);
      try {
        await app.close();
      } finally {
        clearInterval(closeIdle);
        clearTimeout(graceOver);
      }
      await running.close();
      postAttempts.stop();
      await outbox.stop();
      await retention.stop();
      mailer?.close();
      await stopWatching?.();
      await client.close();
      await consent.close();
      await hot.close();
      await store.close();
    },
  };
}
