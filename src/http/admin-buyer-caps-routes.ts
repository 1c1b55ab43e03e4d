// GET /v1/admin/buyers/:id/caps: a buyer's caps and each of its campaigns' caps with their usage this period (as the
// buyer sees them in GET /v1/buyer/account), and whether any is reached: the console's buyer status says "capped".
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Buyer } from "../domain/config-schema.ts";
import type { ConfigService } from "../engine/config-service.ts";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";
import { GavelError } from "../errors.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import { authenticateAdmin } from "./auth.ts";
import { capsUsage } from "./buyer-routes.ts";
import { type BuyerCapsReport, BuyerCapsReportSchema } from "./buyer-schemas.ts";

type Usage = Awaited<ReturnType<typeof capsUsage>>[number];

/** Whether a cap has no room left this period. */
const reached = (cap: Usage) =>
  (cap.leads_limit !== undefined && cap.leads >= cap.leads_limit) ||
  (cap.spend_limit !== undefined && cap.spent >= cap.spend_limit);

export function adminBuyerCapsRoutes(options: {
  config: ConfigService;
  caps: CapLedger;
  adminKeySha256: string;
  now?: () => number;
}) {
  const { config, caps, now = Date.now } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    app.get<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/caps",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "A buyer's caps and its campaigns' caps with their usage this period, and which are reached",
          params: Type.Object({
            id: Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" }),
          }),
          response: { 200: BuyerCapsReportSchema },
        },
      },
      async (request) => {
        const snapshot = config.snapshot;
        const buyer = snapshot.buyerById.get(request.params.id);
        if (!buyer) throw new GavelError("GAVEL_NOT_FOUND", `No buyer ${request.params.id}`, "id");
        return buyerCapsReport(snapshot, caps, buyer, now());
      },
    );
  };
}

/** A buyer's own caps and its campaigns' with their usage at `at`, and which are reached (also read by the alerts). */
export async function buyerCapsReport(
  snapshot: ConfigSnapshot,
  caps: CapLedger,
  buyer: Buyer,
  at: number,
): Promise<BuyerCapsReport> {
  const own = await capsUsage(caps, buyer, undefined, at);
  const campaigns = await Promise.all(
    snapshot.campaigns
      .filter((campaign) => campaign.buyer_id === buyer.id)
      .map(async (campaign) => {
        const usage = await capsUsage(caps, buyer, campaign, at);
        return { id: campaign.id, status: campaign.status, caps: usage, capped: usage.some(reached) };
      }),
  );
  return { buyer_id: buyer.id, caps: own, capped: own.some(reached), campaigns };
}
