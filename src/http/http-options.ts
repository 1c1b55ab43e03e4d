// The HTTP server's limits on slow clients, its trust in proxies and its shutdown grace, from the configuration file's
// `http` section with GAVEL_* environment variables taking precedence (see docs/configuration.md "HTTP server").
import type { HttpServerConfig } from "../domain/config-schema.ts";

export type TrustProxy = boolean | number | string[];

export interface HttpServerLimits {
  /** The whole request (headers and body) must arrive within this; else Node answers 408 and closes. */
  requestTimeoutMs: number;
  /** The headers must arrive within this (never more than requestTimeoutMs). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** How long requests in flight may run on after SIGTERM before their connections are closed. */
  shutdownGraceMs: number;
  /** What fastify believes of X-Forwarded-* headers (its `trustProxy`). */
  trustProxy: TrustProxy;
}

// A seller's request is a few kilobytes: a minute covers a 20 MB suppression import on a slow link, and a client that
// sends half a body and stops holds its connection no longer than that (Node's own default is five minutes; fastify
// turns it off altogether).
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 15_000;
// Above the usual load balancer idle timeout (60 s), so the balancer, not Gavel, closes idle connections first.
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** The default grace is the longest a post may take, plus this for writing it down and answering. */
export const SHUTDOWN_MARGIN_MS = 5_000;

/** The limits in force: environment, then the file's `http` section, then the defaults. */
export function httpServerLimits(
  file: HttpServerConfig | undefined,
  postDeadlineMs: number,
  env: NodeJS.ProcessEnv = process.env,
): HttpServerLimits {
  const requestTimeoutMs =
    milliseconds(env, "GAVEL_REQUEST_TIMEOUT_MS") ?? file?.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersTimeoutMs =
    milliseconds(env, "GAVEL_HEADERS_TIMEOUT_MS") ?? file?.headers_timeout_ms ?? DEFAULT_HEADERS_TIMEOUT_MS;
  return {
    requestTimeoutMs,
    // Node refuses a headers timeout above the request timeout.
    headersTimeoutMs: Math.min(headersTimeoutMs, requestTimeoutMs),
    keepAliveTimeoutMs:
      milliseconds(env, "GAVEL_KEEP_ALIVE_TIMEOUT_MS") ??
      file?.keep_alive_timeout_ms ??
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    shutdownGraceMs:
      milliseconds(env, "GAVEL_SHUTDOWN_GRACE_MS") ??
      file?.shutdown_grace_ms ??
      postDeadlineMs + SHUTDOWN_MARGIN_MS,
    trustProxy: parseTrustProxy(env.GAVEL_TRUST_PROXY) ?? file?.trust_proxy ?? false,
  };
}

function milliseconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number of milliseconds`);
  return value;
}

/** The setting as fastify's `trustProxy` takes it: a number of hops becomes a function (fastify's types lack it). */
export function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === "number" ? (_address, hop) => hop < trust : trust;
}

/** GAVEL_TRUST_PROXY: `true`/`false`, a number of hops, or a comma-separated list of proxy addresses or CIDRs. */
export function parseTrustProxy(text: string | undefined): TrustProxy | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}
