// The admin API for consumer privacy (docs/privacy.md): a consumer's access and erasure requests, the record of
// requests, and a retention purge run on demand (it also runs on a schedule).
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { PiiRetention } from "../compliance/privacy/pii-retention.ts";
import type { ConsumerContacts, PrivacyRequests } from "../compliance/privacy/privacy-requests.ts";
import type { PrivacyRequestRecord } from "../domain/records.ts";
import type { Store } from "../store/store.ts";
import { authenticateAdmin } from "./auth.ts";
import { presentLead } from "./lead-schemas.ts";
import { PageLimit, pageSize } from "./paging.ts";

export interface AdminPrivacyRoutesOptions {
  requests: PrivacyRequests;
  retention: PiiRetention;
  store: Store;
  adminKeySha256: string;
}

const Contacts = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);

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
        },
      },
      async () => ({ purged: await retention.purgeNow() }),
    );
  };
}

function presentRequest(request: PrivacyRequestRecord) {
  return { ...request, created_at: new Date(request.created_at).toISOString() };
}
