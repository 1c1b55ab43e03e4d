// The admin API for post attempts: the journal of posts to buyers (src/store/post-attempts.ts). The operator lists the
// uncertain ones (a post cut off by a crash before the buyer's answer was recorded: the buyer may hold the lead) and
// resolves each: sold (the sale and its ledger entries are recorded at the bid) or not sold.
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ConfigService } from "../engine/config-service.ts";
import { resolveUncertainPost } from "../engine/post-reconciler.ts";
import type { AuctionLogPort, LeadsPort, PostJournalPort } from "../store/ports.ts";
import {
  POST_ATTEMPT_RESOLUTIONS,
  POST_ATTEMPT_STATES,
  type PostAttempt,
  type PostAttemptState,
} from "../store/post-attempts.ts";
import { authenticateAdmin } from "./auth.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminPostAttemptRoutesOptions {
  store: PostJournalPort & LeadsPort & AuctionLogPort;
  adminKeySha256: string;
  /** The live configuration: a sale resolved as sold owes its source's postbacks. */
  config: Pick<ConfigService, "snapshot">;
  /** Sends what a resolution put in the outbox now, not at the worker's next poll. */
  wakeOutbox?: () => void;
  now?: () => number;
}

const IdText = Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" });
const Timestamp = Type.String({ format: "date-time" });

/** One post attempt as the API shows it (times in RFC 3339). */
export const PostAttemptSchema = Type.Object(
  {
    id: Type.String(),
    auction_id: Type.String({ description: "the ping_id (or a direct post's auction)" }),
    campaign_id: Type.String(),
    buyer_id: Type.String(),
    bid_cents: Type.Integer({ description: "what the buyer bid: what a sale resolved as sold charges" }),
    started_at: Timestamp,
    state: Type.Union(POST_ATTEMPT_STATES.map((state) => Type.Literal(state))),
    buyer_lead_id: Type.Optional(
      Type.String({ description: "the buyer's reference, when its answer was recorded" }),
    ),
    ended_at: Type.Optional(Timestamp),
    resolution: Type.Optional(Type.Union(POST_ATTEMPT_RESOLUTIONS.map((r) => Type.Literal(r)))),
    resolved_at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);

const ResolveBody = Type.Object(
  { resolution: Type.Union(POST_ATTEMPT_RESOLUTIONS.map((r) => Type.Literal(r))) },
  { additionalProperties: false },
);

export function adminPostAttemptRoutes(options: AdminPostAttemptRoutesOptions) {
  const { store } = options;
  const now = options.now ?? Date.now;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.get<{ Querystring: { state?: PostAttemptState; limit?: string; before?: string } }>(
      "/v1/admin/post-attempts",
      {
        schema: {
          tags,
          security,
          summary:
            "Posts to buyers, newest first; state=uncertain lists those cut off by a crash before the buyer's " +
            "answer was recorded (the operator resolves each). A full page answers next_before: pass it as before.",
          querystring: Type.Object(
            {
              state: Type.Optional(Type.Union(POST_ATTEMPT_STATES.map((state) => Type.Literal(state)))),
              limit: PageLimit,
              before: Type.Optional(IdText),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(PostAttemptSchema),
              next_before: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async (request) => {
        const { state, limit, before } = request.query;
        const items = await store.listPostAttempts({
          limit: pageSize(limit),
          ...(state ? { state } : {}),
          ...(before ? { before } : {}),
        });
        return { items: items.map(presentPostAttempt), ...nextBefore(items, pageSize(limit)) };
      },
    );

    app.post<{ Params: { id: string }; Body: Static<typeof ResolveBody> }>(
      "/v1/admin/post-attempts/:id/resolve",
      {
        schema: {
          tags,
          security,
          summary:
            "Resolve an uncertain post after asking the buyer: sold records the sale at the bid (with its ledger " +
            "entries), not_sold lets a retried post offer the lead to the other bids",
          params: Type.Object({ id: IdText }),
          body: ResolveBody,
          response: { 200: Type.Object({ post_attempt: PostAttemptSchema }) },
        },
      },
      async (request) => {
        const attempt = await resolveUncertainPost(
          store,
          request.params.id,
          request.body.resolution,
          now(),
          (sourceId) => options.config.snapshot.sourceById.get(sourceId),
        );
        if (attempt.resolution === "sold") options.wakeOutbox?.();
        return { post_attempt: presentPostAttempt(attempt) };
      },
    );
  };
}

function presentPostAttempt(attempt: PostAttempt) {
  const iso = (ms: number) => new Date(ms).toISOString();
  const { started_at, ended_at, resolved_at, ...rest } = attempt;
  return {
    ...rest,
    started_at: iso(started_at),
    ...(ended_at === undefined ? {} : { ended_at: iso(ended_at) }),
    ...(resolved_at === undefined ? {} : { resolved_at: iso(resolved_at) }),
  };
}
