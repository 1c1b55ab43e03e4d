// Who a request acts as, for the audit trail: a console user (id and role), a buyer through its own API, or else the
// admin API key (one key: it is named, never shown); and the client's address as fastify sees it (behind a trusted
// proxy, the forwarded one: http.trust_proxy).
import type { FastifyRequest } from "fastify";
import type { AuditContext } from "../engine/audit-trail.ts";

export function auditContextOf(request: FastifyRequest): AuditContext {
  const user = request.consoleUser;
  const buyer = (request as { buyer?: { id: string } }).buyer;
  const actor = user
    ? { type: "user" as const, id: user.id, role: user.role }
    : buyer
      ? { type: "buyer" as const, id: buyer.id }
      : { type: "admin" as const, id: "admin-key" };
  return { actor, address: request.ip };
}
