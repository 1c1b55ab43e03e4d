// The operator's quick pause and resume of a source, a buyer or a campaign (the console's lists), without sending the
// whole entry back: each is read and changed in one step of the configuration's queue, so a concurrent edit is
// neither lost nor undone, and audited as a configuration change by whoever made it. A buyer's resume is
// POST /v1/admin/buyers/:id/resume (admin-funds-routes.ts), which also starts its post-failure count again.
import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ConfigService } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
import { IdParams } from "./id-params.ts";

export interface AdminPauseRoutesOptions {
  config: ConfigService;
  adminKeySha256: string;
}

/** What a pause or resume answers: the entry's id, name and status after it. */
const entryStatus = <Status extends string>(statuses: readonly Status[]) =>
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    status: Type.Union(statuses.map((status) => Type.Literal(status))),
  });
export const SourceStatusSchema = Type.Object({ source: entryStatus(["test", "live", "paused"]) });
export const BuyerStatusSchema = Type.Object({ buyer: entryStatus(["active", "paused"]) });
export const CampaignStatusSchema = Type.Object({ campaign: entryStatus(["active", "paused", "test"]) });

/** A test entry is refused: pausing it would make its resume take it live, which an edit of its status should do. */
function refuseTest(kind: string, id: string, status: string): void {
  if (status === "test")
    throw new GavelError(
      "GAVEL_TEST_ENTRY",
      `${kind} ${id} is a test ${kind}: change its status by editing it`,
      "id",
    );
}

export function adminPauseRoutes(options: AdminPauseRoutesOptions) {
  const { config } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const schema = (summary: string, answer: TSchema) => ({
      tags: ["admin"],
      security: [{ adminKey: [] }],
      summary,
      params: IdParams,
      response: { 200: answer },
    });

    app.post<{ Params: { id: string } }>(
      "/v1/admin/sources/:id/pause",
      {
        schema: schema(
          "Pause a source: its pings and leads are refused (GAVEL_SOURCE_PAUSED) until it is resumed",
          SourceStatusSchema,
        ),
      },
      async (request) => {
        const { id } = request.params;
        const source = await config.updateSource(
          id,
          (latest) => {
            refuseTest("source", id, latest.status);
            return latest.status === "paused" ? latest : { ...latest, status: "paused" };
          },
          auditContextOf(request),
        );
        return { source: { id: source.id, name: source.name, status: source.status } };
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/sources/:id/resume",
      { schema: schema("Resume a paused source (status live)", SourceStatusSchema) },
      async (request) => {
        const source = await config.updateSource(
          request.params.id,
          (latest) => (latest.status === "paused" ? { ...latest, status: "live" } : latest),
          auditContextOf(request),
        );
        return { source: { id: source.id, name: source.name, status: source.status } };
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/pause",
      {
        schema: schema(
          "Pause a buyer: none of its campaigns bids until it is resumed (POST .../resume)",
          BuyerStatusSchema,
        ),
      },
      async (request) => {
        const buyer = await config.updateBuyer(
          request.params.id,
          (latest) => (latest.status === "paused" ? latest : { ...latest, status: "paused" }),
          auditContextOf(request),
        );
        return { buyer: { id: buyer.id, name: buyer.name, status: buyer.status } };
      },
    );

    for (const action of ["pause", "resume"] as const) {
      app.post<{ Params: { id: string } }>(
        `/v1/admin/campaigns/:id/${action}`,
        {
          schema: schema(
            action === "pause"
              ? "Pause a campaign as the operator: it stops bidding, and its buyer cannot resume it"
              : "Resume a paused campaign (status active), whoever paused it",
            CampaignStatusSchema,
          ),
        },
        async (request) => {
          const { id } = request.params;
          const campaign = await config.updateCampaign(
            id,
            (latest) => {
              refuseTest("campaign", id, latest.status);
              const { paused_by: _, ...rest } = latest;
              if (action === "pause")
                return latest.status === "paused" && latest.paused_by === undefined
                  ? latest
                  : { ...rest, status: "paused" };
              return latest.status === "paused" ? { ...rest, status: "active" } : latest;
            },
            auditContextOf(request),
          );
          return { campaign: { id: campaign.id, name: campaign.name, status: campaign.status } };
        },
      );
    }
  };
}
