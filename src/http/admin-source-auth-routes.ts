// GET /v1/admin/sources/auth-failures: the sources whose requests were refused for their key in the last hour (the
// console's dashboard shows them), counted in memory by this instance (src/console/source-auth-failures.ts).
import type { FastifyInstance } from "fastify";
import { SourceAuthFailures } from "../console/source-auth-failures.ts";
import { AuthFailureReportSchema } from "./admin-source-auth-schemas.ts";
import { authenticateAdmin } from "./auth.ts";

/** Decorates the root instance with the counter (before the seller routes), and answers its report. */
export function registerSourceAuthFailures(
  app: FastifyInstance,
  adminKeySha256: string,
  now: () => number = Date.now,
): void {
  app.decorate("sourceAuthFailures", new SourceAuthFailures(now));
  app.get(
    "/v1/admin/sources/auth-failures",
    {
      onRequest: async (request) => authenticateAdmin(request, adminKeySha256),
      schema: {
        tags: ["admin"],
        security: [{ adminKey: [] }],
        summary:
          "Seller requests refused for their API key in the last hour, per source whose earlier key it was (this instance)",
        response: { 200: AuthFailureReportSchema },
      },
    },
    async (request) => request.server.sourceAuthFailures?.report(),
  );
}
