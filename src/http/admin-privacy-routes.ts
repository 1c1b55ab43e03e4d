// The admin API for consumer privacy (docs/privacy.md): a consumer's access and erasure requests, the record of
// requests, and a retention purge run on demand (it also runs on a schedule).
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { PiiRetention } from "../compliance/privacy/pii-retention.ts";
import type { ConsumerContacts, PrivacyRequests } from "../compliance/privacy/privacy-requests.ts";
import type { PrivacyRequestRecord } from "../domain/records.ts";
import type { PrivacyPort } from "../store/ports.ts";
import { authenticateAdmin } from "./auth.ts";
import { AdminLeadSchema, presentLead } from "./lead-schemas.ts";
import { PageLimit, pageSize } from "./paging.ts";

export interface AdminPrivacyRoutesOptions {
  requests: PrivacyRequests;
  retention: PiiRetention;
  store: PrivacyPort;
  adminKeySha256: string;
}

const Contacts = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);

/** A recorded access or erasure request: the contacts' hashes, never the contacts. */
export const PrivacyRequestSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal("access"), Type.Literal("erasure")]),
    contacts: Type.Array(
      Type.Object({
        kind: Type.Union([Type.Literal("email"), Type.Literal("phone")]),
        sha256: Type.String(),
      }),
    ),
    leads_found: Type.Integer(),
    leads_erased: Type.Integer(),
    deliveries_cancelled: Type.Integer(),
    suppressions_added: Type.Integer(),
    created_at: Type.String({ format: "date-time" }),
  },
  { $id: "PrivacyRequest" },
);
export type PrivacyRequest = Static<typeof PrivacyRequestSchema>;
export const AccessAnswerSchema = Type.Object({
  request: PrivacyRequestSchema,
  leads: Type.Array(AdminLeadSchema, { description: "Every lead held of theirs, in full" }),
});
export const PrivacyRequestListSchema = Type.Object({ requests: Type.Array(PrivacyRequestSchema) });
export const PurgedSchema = Type.Object({
  purged: Type.Integer({ description: "Leads whose PII was blanked" }),
});

export function adminPrivacyRoutes(options: AdminPrivacyRoutesOptions) {
  const { requests, retention, store } = options;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.post<{ Body: ConsumerContacts }>(
      "/v1/admin/privacy/access",
      {
        schema: {
          tags,
          security,
          summary:
            "A consumer's access request: every lead held of theirs (found by e-mail or phone hash), in full",
          body: Contacts,
          response: { 200: AccessAnswerSchema },
        },
      },
      async (request) => {
        const { request: record, leads } = await requests.access(request.body);
        return { request: presentRequest(record), leads: leads.map((lead) => presentLead(lead)) };
      },
    );

    app.post<{ Body: ConsumerContacts }>(
      "/v1/admin/privacy/erasure",
      {
        schema: {
          tags,
          security,
          summary:
            "A consumer's erasure request: blanks the PII of each of their leads, cancels unsent deliveries, adds " +
            "their hashes to the global suppression list; answers the counts (a repeat changes nothing)",
          body: Contacts,
          response: { 200: PrivacyRequestSchema },
        },
      },
      async (request) => presentRequest(await requests.erase(request.body)),
    );

    app.get<{ Querystring: { limit?: string } }>(
      "/v1/admin/privacy/requests",
      {
        schema: {
          tags,
          security,
          summary: "Recorded access and erasure requests, newest first (contact hashes, never the contact)",
          querystring: Type.Object({ limit: PageLimit }),
          response: { 200: PrivacyRequestListSchema },
        },
      },
      async (request) => ({
        requests: (await store.listPrivacyRequests(pageSize(request.query.limit))).map(presentRequest),
      }),
    );

    app.post(
      "/v1/admin/privacy/purge",
      {
        schema: {
          tags,
          security,
          summary:
            "Runs the retention purge now (it also runs every 10 minutes); answers how many leads it blanked",
          response: { 200: PurgedSchema },
        },
      },
      async () => ({ purged: await retention.purgeNow() }),
    );
  };
}

export function presentRequest(request: PrivacyRequestRecord): PrivacyRequest {
  return {
    id: request.id,
    kind: request.kind,
    contacts: request.contacts.map((contact) => ({ kind: contact.kind, sha256: contact.sha256 })),
    leads_found: request.leads_found,
    leads_erased: request.leads_erased,
    deliveries_cancelled: request.deliveries_cancelled,
    suppressions_added: request.suppressions_added,
    created_at: new Date(request.created_at).toISOString(),
  };
}

/** Compile-time guard: a field added to a privacy request fails here until its schema says what becomes of it. */
const requestCovered: Record<Exclude<keyof PrivacyRequestRecord, keyof PrivacyRequest>, never> = {};
void requestCovered;
