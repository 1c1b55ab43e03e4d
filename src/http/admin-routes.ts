// The admin API's configuration routes: the same shapes as the configuration file, changed through ConfigService.
// Leads and their traces are in admin-lead-routes.ts, the outbox in admin-outbox-routes.ts.
import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { sha256Hex } from "../compliance/sha256-hex.ts";
import type { Campaign, ConfigFile, Source } from "../domain/config-schema.ts";
import {
  BuyerSchema,
  CampaignSchema,
  SettingsSchema,
  SourceSchema,
  VerticalSchema,
} from "../domain/config-schema.ts";
import {
  MaskedSecretProblem,
  maskCampaignSecrets,
  maskSourceSecrets,
  restoreMaskedSecrets,
  restoreMaskedSourceSecrets,
} from "../domain/config-secrets.ts";
import type { AuditContext } from "../engine/audit-trail.ts";
import { type ConfigService, generateApiKey } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import type { ConfigKind } from "../store/store.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
import {
  BuyerAnswer,
  BuyerKeyAnswer,
  CampaignAnswer,
  ConfigFileAnswer,
  SettingsAnswer,
  SourceAnswer,
  SourceKeyAnswer,
  SourcePutAnswer,
  VerticalAnswer,
} from "./config-answer-schemas.ts";
import { DeletedSchema } from "./console-schemas.ts";
import { IdParams } from "./id-params.ts";
import { KEY_GRACE_DESCRIPTION, keyGraceOf } from "./key-grace.ts";

export interface AdminRoutesOptions {
  config: ConfigService;
  adminKeySha256: string;
}

export function adminRoutes(options: AdminRoutesOptions) {
  const { config } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.get(
      "/v1/admin/config",
      {
        schema: {
          tags,
          security,
          summary: "The whole configuration, in the file's shape (secrets masked)",
          response: { 200: ConfigFileAnswer },
        },
      },
      async (): Promise<ConfigFile> => {
        const exported = config.export();
        return {
          ...exported,
          sources: exported.sources?.map(maskSourceSecrets),
          campaigns: exported.campaigns?.map(maskCampaignSecrets),
        };
      },
    );
    app.put<{ Body: Record<string, unknown> }>(
      "/v1/admin/settings",
      {
        schema: {
          tags,
          security,
          summary: "Change exchange settings",
          body: Type.Partial(SettingsSchema),
          response: { 200: SettingsAnswer },
        },
      },
      async (request) => config.putSettings(request.body, auditContextOf(request)),
    );

    // One set of routes per configuration entity; PUT creates or replaces (the id comes from the path).
    const entity = <T extends { id: string }>(
      kind: ConfigKind,
      plural: string,
      schema: TSchema,
      /** The entry as answered (the schema without defaults), and what a PUT answers. */
      answer: { entry: TSchema; put: TSchema },
      list: () => readonly T[],
      put: (body: T, context: AuditContext) => Promise<unknown>,
    ) => {
      app.get(
        `/v1/admin/${plural}`,
        {
          schema: {
            tags,
            security,
            summary: `List ${plural}`,
            response: { 200: Type.Object({ [plural]: Type.Array(answer.entry) }) },
          },
        },
        async () => ({ [plural]: list() }),
      );
      app.get<{ Params: { id: string } }>(
        `/v1/admin/${plural}/:id`,
        {
          schema: {
            tags,
            security,
            summary: `Get one of the ${plural}`,
            params: IdParams,
            response: { 200: answer.entry },
          },
        },
        async (request) => {
          const found = list().find((item) => item.id === request.params.id);
          if (!found)
            throw new GavelError("GAVEL_NOT_FOUND", `No ${plural} entry ${request.params.id}`, "id");
          return found;
        },
      );
      app.put<{ Params: { id: string }; Body: T }>(
        `/v1/admin/${plural}/:id`,
        {
          schema: {
            tags,
            security,
            summary: `Create or replace one of the ${plural}`,
            params: IdParams,
            body: schema,
            response: { 200: answer.put },
          },
          // The id lives in the path; a body may repeat it but not contradict it.
          preValidation: async (request) => {
            const body = request.body as Record<string, unknown> | null;
            if (typeof body !== "object" || body === null || Array.isArray(body)) return;
            if (body.id !== undefined && body.id !== request.params.id) {
              throw new GavelError("GAVEL_VALIDATION", "id in the body differs from the path", "id");
            }
            body.id = request.params.id;
          },
        },
        async (request) => put(request.body as T, auditContextOf(request)),
      );
      app.delete<{ Params: { id: string } }>(
        `/v1/admin/${plural}/:id`,
        {
          schema: {
            tags,
            security,
            summary: `Delete one of the ${plural} (409 while anything still uses it; its history stays)`,
            params: IdParams,
            response: { 200: DeletedSchema },
          },
        },
        async (request) => {
          await config.remove(kind, request.params.id, auditContextOf(request));
          return { deleted: request.params.id };
        },
      );
    };
    entity(
      "vertical",
      "verticals",
      VerticalSchema,
      { entry: VerticalAnswer, put: VerticalAnswer },
      () => config.snapshot.verticals,
      (v, context) => config.putVertical(v, context),
    );
    entity(
      "source",
      "sources",
      SourceSchema,
      { entry: SourceAnswer, put: SourcePutAnswer },
      // A postback URL's credentials (a tracker's token) are masked like a campaign's secrets (below).
      () => config.snapshot.sources.map(maskSourceSecrets),
      async (s: Source, context) => {
        unmask(() => restoreMaskedSourceSecrets(s, config.snapshot.sourceById.get(s.id)));
        const answer = await config.putSource(s, context);
        return { ...answer, source: maskSourceSecrets(answer.source) };
      },
    );
    entity(
      "buyer",
      "buyers",
      BuyerSchema,
      { entry: BuyerAnswer, put: BuyerAnswer },
      () => config.snapshot.buyers,
      // A buyer replaced without a key hash keeps its key (as a source does): editing a buyer never locks it out.
      (b, context) => config.putBuyer(b, context),
    );
    // Secrets (webhook signing keys, integration credentials) are masked on every read; a write that sends a mask
    // back unchanged keeps the stored secret, so the console's forms round-trip (see domain/config-secrets.ts).
    entity(
      "campaign",
      "campaigns",
      CampaignSchema,
      { entry: CampaignAnswer, put: CampaignAnswer },
      () => config.snapshot.campaigns.map(maskCampaignSecrets),
      async (c: Campaign, context) => {
        unmask(() => restoreMaskedSecrets(c, config.snapshot.campaignById.get(c.id)));
        return maskCampaignSecrets(await config.putCampaign(c, context));
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/sources/:id/rotate-key",
      {
        schema: {
          tags,
          security,
          summary:
            "Issue a new API key for a source (shown once); the old key stops working at once or after a grace period",
          description: KEY_GRACE_DESCRIPTION,
          params: IdParams,
          response: { 200: SourceKeyAnswer },
        },
      },
      async (request) =>
        config.rotateSourceKey(request.params.id, auditContextOf(request), keyGraceOf(request)),
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/buyers/:id/rotate-key",
      {
        schema: {
          tags,
          security,
          summary: "Issue a new buyer API key (shown once); the old key stops working",
          params: IdParams,
          response: { 200: BuyerKeyAnswer },
        },
      },
      async (request) => {
        const apiKey = generateApiKey();
        return {
          buyer: await config.updateBuyer(
            request.params.id,
            (buyer) => ({ ...buyer, api_key_sha256: sha256Hex(apiKey) }),
            auditContextOf(request),
            "key.rotate",
          ),
          api_key: apiKey,
        };
      },
    );
  };
}

/** Runs a restore of masked secrets; a mask that stands for no stored secret is the writer's 400, on its field. */
function unmask(restore: () => void): void {
  try {
    restore();
  } catch (error) {
    if (error instanceof MaskedSecretProblem)
      throw new GavelError("GAVEL_VALIDATION", error.message, error.field);
    throw error;
  }
}
