// One audit event on the wire, declared once: the admin API's response schema and the console's Audit screen both
// read it (kept apart from the routes so the console's build needs no fastify types).
import { type Static, Type } from "@sinclair/typebox";
import { AUDIT_KINDS } from "../store/audit-events.ts";

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union(AUDIT_KINDS.map((kind) => Type.Literal(kind))),
  actor: Type.Object({
    type: Type.Union(["admin", "user", "buyer", "system"].map((type) => Type.Literal(type))),
    id: Type.String(),
    role: Type.Optional(Type.String()),
  }),
  entity: Type.String(),
  address: Type.Optional(Type.String()),
  changes: Type.Array(
    Type.Object({
      path: Type.String(),
      before: Type.Optional(Type.Unknown()),
      after: Type.Optional(Type.Unknown()),
    }),
  ),
  note: Type.Optional(Type.String()),
  /** RFC 3339. */
  created_at: Type.String(),
});
export type AuditEventWire = Static<typeof AuditEventSchema>;
