// What-if replay over the admin API ("what would this change have done last week"): the recorded auctions of a period
// decided again under a candidate configuration, as `gavel replay` does (docs/market-mechanics.md). Nothing is stored.
// It runs in the exchange's process, yielding to live traffic between batches; weeks of heavy traffic are better
// replayed with the CLI on another machine.
import { setImmediate as nextTurn } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { type ConfigFile, ConfigFileSchema } from "../domain/config-schema.ts";
import { previewSnapshot } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import { replayPeriod } from "../replay/replay.ts";
import { type ReplaySummary, replaySummary } from "../replay/replay-report.ts";
import type { AuctionPeriod, RecordedAuction } from "../store/auction-history.ts";
import type { ConfigPort } from "../store/ports.ts";
import { authenticateAdmin } from "./auth.ts";
import { ReplayAnswerSchema, type ReplayAnswerWire } from "./replay-schemas.ts";

export interface AdminReplayRoutesOptions {
  store: ConfigPort;
  adminKeySha256: string;
  /** The recorded auctions of a period, oldest first (store/auction-history.ts, for this exchange's database). */
  auctionHistory: (period: AuctionPeriod) => Iterable<RecordedAuction> | AsyncIterable<RecordedAuction>;
  /** Writes buffered ping events first, so the period's last auctions are read too. */
  flushEvents?: () => Promise<void>;
}

/** The longest period one request may replay: a month. */
const MAX_PERIOD_MS = 31 * 86_400_000;
/** Auctions replayed between two turns of the event loop, so live pings are not held up by a long replay. */
const BATCH = 2_000;

const Time = Type.String({ maxLength: 40, description: "RFC 3339, e.g. 2026-11-30T00:00:00Z" });

const ReplayBody = Type.Object(
  {
    from: Time,
    to: Time,
    config: Type.Unsafe<ConfigFile>({
      ...ConfigFileSchema,
      description:
        "The candidate: the configuration file's shape, applied on top of the current configuration",
    }),
  },
  { additionalProperties: false },
);

export function adminReplayRoutes(options: AdminReplayRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    app.post<{ Body: { from: string; to: string; config: ConfigFile } }>(
      "/v1/admin/replay",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "What a candidate configuration would have done over a recorded period: revenue, payouts, margin, " +
            "sell-through and each buyer's volume, against the current configuration replayed (no buyer is called)",
          body: ReplayBody,
          response: { 200: ReplayAnswerSchema },
        },
      },
      async (request) => {
        const period = periodOf(request.body.from, request.body.to);
        const stored = await options.store.loadConfig();
        const current = previewSnapshot(stored, undefined);
        const candidate = previewSnapshot(stored, request.body.config);
        await options.flushEvents?.();
        const started = performance.now();
        const comparison = await replayPeriod(
          yieldingEvery(BATCH, options.auctionHistory(period)),
          current,
          candidate,
        );
        return { ...replaySummary(comparison), seconds: (performance.now() - started) / 1000 };
      },
    );
  };
}

function periodOf(fromText: string, toText: string): AuctionPeriod {
  const from = Date.parse(fromText);
  if (Number.isNaN(from)) throw new GavelError("GAVEL_VALIDATION", "from is not an RFC 3339 time", "from");
  const to = Date.parse(toText);
  if (Number.isNaN(to)) throw new GavelError("GAVEL_VALIDATION", "to is not an RFC 3339 time", "to");
  if (to <= from) throw new GavelError("GAVEL_VALIDATION", "to must be after from", "to");
  if (to - from > MAX_PERIOD_MS)
    throw new GavelError("GAVEL_VALIDATION", "a replay covers at most 31 days (longer: gavel replay)", "to");
  return { from, to };
}

async function* yieldingEvery<T>(batch: number, items: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  let count = 0;
  for await (const item of items) {
    yield item;
    if (++count % batch === 0) await nextTurn();
  }
}

/** Compile-time guard: the summary replay-report.ts builds is what the answer's schema declares, both ways. */
const summaryFits: ReplayAnswerWire = {} as ReplaySummary & { seconds: number };
const schemaFits: ReplaySummary = {} as ReplayAnswerWire;
void summaryFits;
void schemaFits;
