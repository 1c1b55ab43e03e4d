// What GET /v1/admin/sources/auth-failures answers, declared once: fastify serialises it, /docs shows it, and the
// console's health screen imports the type (a module of its own, so the console's type check stays out of fastify).
import { type Static, Type } from "@sinclair/typebox";
import type { AuthFailureReport } from "../console/source-auth-failures.ts";

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
