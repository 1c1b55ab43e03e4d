// GET /v1/admin/sources/auth-failures: the sources whose requests were refused for their key in the last hour (the
// console's dashboard shows them), counted in memory by this instance (src/console/source-auth-failures.ts).
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { type AuthFailureReport, SourceAuthFailures } from "../console/source-auth-failures.ts";
import { authenticateAdmin } from "./auth.ts";

export const AuthFailureReportSchema = Type.Object({
  window_minutes: Type.Integer(),
  sources: Type.Array(
    Type.Object({
      source_id: Type.String(),
      failures: Type.Integer(),
      last_at: Type.String({ format: "date-time" }),
    }),
    { description: "Sources with refusals under one of their keys, most first" },
  ),
  unknown: Type.Object(
    {
      failures: Type.Integer(),
      last_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    },
    { description: "Refusals under keys that were never a source's, or without a key" },
  ),
});
export type AuthFailures = Static<typeof AuthFailureReportSchema>;
/** Compile-time guard: the counter's report and its schema are the same shape, both ways. */
const reportIsWire: AuthFailures = {} as AuthFailureReport;
const wireIsReport: AuthFailureReport = {} as AuthFailures;
void [reportIsWire, wireIsReport];

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
