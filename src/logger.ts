// Structured logs (pino) with PII redacted: lead bodies, consent proof and keys never reach a log line.
import pino, { type Logger } from "pino";

export const REDACTED_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "*.lead",
  "*.consent",
  "lead",
  "consent",
  "api_key",
  "*.api_key",
];

export function createLogger(level = process.env.GAVEL_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service: "gavel" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } });
}
