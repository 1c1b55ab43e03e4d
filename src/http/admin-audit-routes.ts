// The admin API over the audit trail (src/store/audit-events.ts): who changed what, when and from where, newest
// first, filtered by kind, actor, entity and time, paged by `before`.
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parseInstant } from "../instants.ts";
import { AUDIT_KINDS, type AuditEvent, type AuditKind } from "../store/audit-events.ts";
import type { AuditPort } from "../store/ports.ts";
import { AuditEventSchema, type AuditEventWire } from "./audit-event-schema.ts";
import { authenticateAdmin } from "./auth.ts";
import { nextBefore, PageLimit, pageSize } from "./paging.ts";

export interface AdminAuditRoutesOptions {
  store: AuditPort;
  adminKeySha256: string;
}

const Text = Type.String({ minLength: 1, maxLength: 200, pattern: "^[^\\u0000]+$" });

const AuditQuerystring = Type.Object(
  {
    kind: Type.Optional(Type.Union(AUDIT_KINDS.map((kind) => Type.Literal(kind)))),
    /** An actor id: `admin-key`, a console user's id, a buyer's id, `post-failures`, an email tried at login... */
    actor: Type.Optional(Text),
    /** `campaign:c1` for one entity, or `campaign` for all of them. */
    entity: Type.Optional(Text),
    /** RFC 3339: only events at or after it. */
    since: Type.Optional(Type.String({ maxLength: 40 })),
    before: Type.Optional(Text),
    limit: PageLimit,
  },
  { additionalProperties: false },
);

const AuditPage = Type.Object({
  events: Type.Array(AuditEventSchema),
  /** Present when the page is full: pass it as `before` for the next page. */
  next_before: Type.Optional(Type.String()),
});

export function adminAuditRoutes(options: AdminAuditRoutesOptions) {
  const { store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));

    app.get<{ Querystring: Static<typeof AuditQuerystring> }>(
      "/v1/admin/audit",
      {
        schema: {
          tags: ["admin"],
          security: [{ adminKey: [] }],
          summary:
            "The audit trail, newest first: configuration changes, key rotations, deposits, return decisions, " +
            "console users and logins, with who, when, from where and a before/after diff (secrets masked)",
          querystring: AuditQuerystring,
          response: { 200: AuditPage },
        },
      },
      async (request) => {
        const { kind, actor, entity, since, before, limit } = request.query;
        const size = pageSize(limit);
        const page = await store.listAuditEvents({
          ...(kind ? { kind: kind as AuditKind } : {}),
          ...(actor ? { actor } : {}),
          ...(entity ? { entity } : {}),
          ...(since === undefined ? {} : { since: parseInstant(since, "since") }),
          ...(before ? { before } : {}),
          limit: size,
        });
        return { events: page.map(presentAuditEvent), ...nextBefore(page, size) };
      },
    );
  };
}

function presentAuditEvent(event: AuditEvent): AuditEventWire {
  return { ...event, created_at: new Date(event.created_at).toISOString() };
}
