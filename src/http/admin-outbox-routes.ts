// The admin API's outbox: messages waiting, done or dead (postbacks, webhooks, e-mails), and replaying one now.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { GavelError } from "../errors.ts";
import type { OutboxPort } from "../store/ports.ts";
import { authenticateAdmin } from "./auth.ts";
import { IdParams } from "./id-params.ts";
import { OutboxPageSchema, presentOutboxItem, ReplayedSchema } from "./outbox-schemas.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminOutboxRoutesOptions {
  store: OutboxPort;
  adminKeySha256: string;
  /** Asks the outbox worker to deliver now (after a replay). */
  wakeOutbox: () => void;
}

export function adminOutboxRoutes(options: AdminOutboxRoutesOptions) {
  const { store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.get<{ Querystring: { status?: "pending" | "done" | "dead"; limit?: string; before?: string } }>(
      "/v1/admin/outbox",
      {
        schema: {
          tags,
          security,
          summary:
            "Outbox messages (source postbacks, webhook and e-mail deliveries), newest first; status=dead lists the " +
            "dead letters. A full page answers next_before: pass it as before for the next page.",
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([Type.Literal("pending"), Type.Literal("done"), Type.Literal("dead")]),
            ),
            limit: PageLimit,
            before: Type.Optional(Type.String({ maxLength: 100, pattern: "^[^\\u0000]*$" })),
          }),
          response: { 200: OutboxPageSchema },
        },
      },
      async (request) => {
        const { limit, status, before } = request.query;
        const items = await store.listOutbox({
          limit: pageSize(limit),
          ...(status ? { status } : {}),
          ...(before ? { before } : {}),
        });
        return {
          items: items.map(presentOutboxItem),
          ...nextBefore(items, pageSize(limit)),
        };
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/admin/outbox/:id/replay",
      {
        schema: {
          tags,
          security,
          summary: "Deliver an outbox message again (e.g. a dead letter), now",
          params: IdParams,
          response: { 200: ReplayedSchema },
        },
      },
      async (request) => {
        if (!(await store.replayOutbox(request.params.id, Date.now()))) {
          throw new GavelError("GAVEL_NOT_FOUND", `No outbox message ${request.params.id}`, "id");
        }
        options.wakeOutbox();
        return { id: request.params.id, status: "pending" };
      },
    );
  };
}
