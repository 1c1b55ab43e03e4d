// GET /v1/admin/alerts: what needs the operator now (src/console/alerts.ts says which rules), gathered from the
// configuration, the audit trail (who paused a buyer), funds, cap usage, the last hour's report by buyer and this
// instance's refused source keys, and the embedded duplicate windows' evictions. Computed on each request (a few queries per buyer), so the console polls it.
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { AlertNotifier } from "../console/alert-notifier.ts";
import {
  ALERT_DEFAULTS,
  ALERT_KINDS,
  type Alert,
  type BuyerAlertFacts,
  collectAlerts,
  type DuplicateWindowEvictionFacts,
  type SourceAlertFacts,
} from "../console/alerts.ts";
import type { Buyer } from "../domain/config-schema.ts";
import type { ConfigService } from "../engine/config-service.ts";
import type { BuyerFunds } from "../engine/funds.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import type { AuditPort, OutboxPort, ReportsPort } from "../store/ports.ts";
import { buyerCapsReport } from "./admin-buyer-caps-routes.ts";
import { authenticateAdmin } from "./auth.ts";

export interface AdminAlertsRoutesOptions {
  config: ConfigService;
  store: AuditPort & ReportsPort & OutboxPort;
  funds: BuyerFunds;
  caps: CapLedger;
  adminKeySha256: string;
  /** Writes buffered events first, so the last hour's timeouts include the latest pings. */
  flushEvents?: () => Promise<void>;
  /** Tells the outbox worker an alert message is waiting. */
  wakeOutbox?: () => void;
  /** The in-process duplicate windows' evictions still in force (embedded backend; Redis evicts nothing). */
  duplicateWindowEvictions?: () => DuplicateWindowEvictionFacts | undefined;
}

const HOUR_MS = 3_600_000;

export const AlertListSchema = Type.Object({
  alerts: Type.Array(
    Type.Object({
      kind: Type.Union(ALERT_KINDS.map((kind) => Type.Literal(kind))),
      severity: Type.Union([Type.Literal("critical"), Type.Literal("warning")]),
      subject: Type.Object({
        type: Type.Union([
          Type.Literal("buyer"),
          Type.Literal("campaign"),
          Type.Literal("source"),
          Type.Literal("exchange"),
        ]),
        id: Type.String(),
      }),
      message: Type.String(),
      since: Type.Optional(Type.String({ format: "date-time", description: "When it started, where known" })),
    }),
    { description: "Critical first" },
  ),
});
export type AlertList = Static<typeof AlertListSchema>;
/** Compile-time guard: an alert and its schema are the same shape (a field added to Alert fails here). */
const alertIsWire: AlertList["alerts"][number] = {} as Alert;
const alertFieldsDeclared: Record<Exclude<keyof Alert, keyof AlertList["alerts"][number]>, never> = {};
void [alertIsWire, alertFieldsDeclared];
/** The actor of Gavel's own pause after failed posts (src/app.ts). */
const AUTO_PAUSE_ACTOR = "post-failures";

export function adminAlertsRoutes(options: AdminAlertsRoutesOptions) {
  const { config, store, funds, caps } = options;

  /** When Gavel itself last paused this buyer, if its last pause was Gavel's. */
  const autoPausedAt = async (buyer: Buyer): Promise<number | undefined> => {
    const events = await store.listAuditEvents({
      kind: "config.put",
      entity: `buyer:${buyer.id}`,
      limit: 50,
    });
    const pause = events.find((event) =>
      event.changes.some((change) => change.path === "status" && change.after === "paused"),
    );
    return pause?.actor.type === "system" && pause.actor.id === AUTO_PAUSE_ACTOR
      ? pause.created_at
      : undefined;
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    /** The alerts now, from the configuration, the audit trail, funds, caps, the last hour and refused keys. */
    const gatherAlerts = async (): Promise<Alert[]> => {
      const snapshot = config.snapshot;
      const now = app.clock();
      await options.flushEvents?.();
      const from = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
      const rows = await store.report({ from, to: now, dimensions: ["buyer"] });
      const buyers = await Promise.all(
        snapshot.buyers.map(async (buyer): Promise<BuyerAlertFacts> => {
          const row = rows.find((candidate) => candidate.buyer_id === buyer.id);
          const [pausedAt, report, capsReport] = await Promise.all([
            buyer.status === "paused" ? autoPausedAt(buyer) : undefined,
            buyer.funds ? funds.report(buyer, caps) : undefined,
            buyerCapsReport(snapshot, caps, buyer, now),
          ]);
          return {
            id: buyer.id,
            status: buyer.status,
            ...(pausedAt === undefined ? {} : { autoPausedAt: pausedAt }),
            ...(buyer.auto_pause_after_failures === undefined
              ? {}
              : { autoPauseAfter: buyer.auto_pause_after_failures }),
            ...(report?.prepaid ? { availableCents: report.available_cents } : {}),
            capped: capsReport.capped,
            cappedCampaigns: capsReport.campaigns
              .filter((campaign) => campaign.status === "active" && campaign.capped)
              .map((campaign) => campaign.id),
            pings: row?.pinged ?? 0,
            timeouts: row?.timeouts ?? 0,
          };
        }),
      );
      const failures = await app.sourceAuthFailures?.report();
      const sources: SourceAlertFacts[] = (failures?.sources ?? []).map((source) => ({
        id: source.source_id,
        authFailures: source.failures,
        lastFailureAt: Date.parse(source.last_at),
      }));
      return collectAlerts(buyers, sources, snapshot.settings.alerts, options.duplicateWindowEvictions?.());
    };

    // Each new alert to the operator's webhook or e-mail (settings.alerts.notify), through the outbox.
    const notifier = new AlertNotifier({
      alerts: gatherAlerts,
      notify: () => config.snapshot.settings.alerts?.notify,
      store,
      ...(options.wakeOutbox ? { wakeOutbox: options.wakeOutbox } : {}),
      now: () => app.clock(),
      log: app.log,
    });
    app.addHook("onReady", async () => notifier.start());
    app.addHook("onClose", async () => notifier.stop());

    app.get(
      "/v1/admin/alerts",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "What needs the operator now: auto-paused buyers, funds, caps reached, timeouts, refused keys, " +
            "duplicate windows evicting",
          description:
            `Answers {alerts: [{kind, severity, subject: {type, id}, message, since?}]}, critical first; kind is one ` +
            `of ${ALERT_KINDS.join(", ")}. Thresholds: settings.alerts (docs/configuration.md). Refused keys are ` +
            "counted across instances (in Redis on the distributed backend).",
          response: { 200: AlertListSchema },
        },
      },
      async () => ({ alerts: await gatherAlerts() }),
    );

    app.get(
      "/v1/admin/alerts/thresholds",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary: "The alert thresholds in force: settings.alerts, each absent one at its default",
          response: {
            200: Type.Object({
              low_funds_dollars: Type.Number(),
              buyer_timeout_percent: Type.Number(),
              buyer_timeout_min_pings: Type.Integer(),
              source_auth_failures: Type.Integer(),
            }),
          },
        },
      },
      // The console's low-funds warning reads the same threshold the alerts use, not a constant of its own.
      async () => {
        const { notify: _, ...thresholds } = config.snapshot.settings.alerts ?? {};
        return { ...ALERT_DEFAULTS, ...thresholds };
      },
    );
  };
}
