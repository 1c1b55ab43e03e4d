// Starts the bidder: its store in the data folder, the bid logic, the delivery worker (CRM webhook, e-mail) and the
// HTTP server.
// `gavel bid` calls this; tests call it in process with an injectable clock.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { smtpMailer } from "../deliveries/smtp-mailer.ts";
import { Bidder } from "./bidder.ts";
import type { BidderConfig } from "./bidder-config.ts";
import { buildBidderServer } from "./bidder-server.ts";
import { BidderStore } from "./bidder-store.ts";
import { CrmDelivery } from "./crm-delivery.ts";

export const BIDDER_DB_FILE = "bidder.sqlite";
const SWEEP_MS = 5000;

export interface StartBidderOptions {
  config: BidderConfig;
  dataDir: string;
  port: number;
  host?: string;
  /** The firm's key for conversions, reports and status; generated (and returned) when absent. */
  adminKey?: string;
  now?: () => number;
  /** First CRM retry delay (doubling); tests shorten it. */
  crmFirstRetryMs?: number;
  slowLogicForTest?: () => void;
}

export interface RunningBidder {
  url: string;
  bidder: Bidder;
  server: FastifyInstance;
  adminKey: string;
  generatedAdminKey: boolean;
  close(): Promise<void>;
}

export async function startBidder(options: StartBidderOptions): Promise<RunningBidder> {
  mkdirSync(options.dataDir, { recursive: true });
  const store = new BidderStore(join(options.dataDir, BIDDER_DB_FILE));
  const now = options.now ?? Date.now;
  const { crm_webhook: webhook, crm_email: email } = options.config;
  const crm =
    webhook || email
      ? new CrmDelivery({
          ...(webhook ? { webhook } : {}),
          ...(email
            ? { email: { config: email, mailer: smtpMailer(email.smtp, process.env.GAVEL_SMTP_PASSWORD) } }
            : {}),
          store,
          now,
          ...(options.crmFirstRetryMs ? { firstRetryMs: options.crmFirstRetryMs } : {}),
        })
      : undefined;
  const bidder = new Bidder({
    config: options.config,
    store,
    now,
    ...(crm ? { onBought: () => crm.wake() } : {}),
    ...(options.slowLogicForTest ? { slowLogicForTest: options.slowLogicForTest } : {}),
  });
  const adminKey = options.adminKey ?? randomBytes(24).toString("base64url");
  const server = await buildBidderServer({ bidder, adminKey });
  const address = await server.listen({ port: options.port, host: options.host ?? "127.0.0.1" });
  crm?.start();
  const sweeper = setInterval(() => bidder.sweepExpiredBids(), SWEEP_MS);
  sweeper.unref();
  return {
    url: address.replace("[::1]", "127.0.0.1"),
    bidder,
    server,
    adminKey,
    generatedAdminKey: options.adminKey === undefined,
    async close() {
      clearInterval(sweeper);
      await server.close();
      await crm?.stop();
      store.close();
    },
  };
}
