// GET /v1/admin/sources/auth-failures: the sources whose requests were refused for their key in the last hour (the
// console's dashboard shows them), counted in memory (one instance) or in Redis (all of them) by
// src/console/source-auth-failures.ts.
import type { FastifyInstance } from "fastify";
import { type AuthFailureTallies, SourceAuthFailures } from "../console/source-auth-failures.ts";
import { AuthFailureReportSchema } from "./admin-source-auth-schemas.ts";
import { authenticateAdmin } from "./auth.ts";

/** Decorates the root instance with the counter (before the seller routes), and answers its report. */
export function registerSourceAuthFailures(
  app: FastifyInstance,
  adminKeySha256: string,
  now: () => number = Date.now,
  /** Where the counts are kept: this process's memory without it; Redis on the distributed backend. */
  tallies?: AuthFailureTallies,
): void {
  app.decorate("sourceAuthFailures", new SourceAuthFailures(now, tallies));
  app.get(
    "/v1/admin/sources/auth-failures",
    {
      onRequest: async (request) => authenticateAdmin(request, adminKeySha256),
      schema: {
        tags: ["admin"],
        security: [{ adminKey: [] }],
        summary:
          "Seller requests refused for their API key in the last hour, per source whose earlier key it was (every instance)",
        response: { 200: AuthFailureReportSchema },
      },
    },
    async (request) => request.server.sourceAuthFailures?.report(),
  );
}
