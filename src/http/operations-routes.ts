// Operations: liveness, readiness (store and hot state reachable), Prometheus metrics.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { GavelError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";
import type { HotState } from "../state/hot-state.ts";
import type { ReadinessPort } from "../store/ports.ts";
import { authenticateAdmin } from "./auth.ts";

export interface OperationsOptions {
  store: ReadinessPort;
  hotState: HotState;
  metrics: Metrics;
  /** Callers with the admin key (or an operator session) are told why a backend is not ready. */
  adminKeySha256: string;
  /** How long a readiness check waits for each backend. */
  readinessTimeoutMs?: number;
}

export const AliveSchema = Type.Object({ status: Type.Literal("ok") });
export const ReadySchema = Type.Object({
  status: Type.Literal("ok"),
  store: Type.Literal("ok"),
  hot_state: Type.Literal("ok"),
});
/** Prometheus' text exposition format: text, so fastify sends it as it is (its serializer is for JSON only). */
const MetricsText = {
  content: {
    "text/plain": { schema: Type.String({ description: "Prometheus text exposition format 0.0.4" }) },
  },
};

export function operationsRoutes(options: OperationsOptions) {
  const timeoutMs = options.readinessTimeoutMs ?? 1_000;
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["operations"];
    app.get(
      "/healthz",
      { schema: { tags, summary: "Alive: the process answers", response: { 200: AliveSchema } } },
      async () => ({ status: "ok" }),
    );
    app.get(
      "/readyz",
      {
        schema: {
          tags,
          summary: "Ready: the store and the hot state answer",
          response: { 200: ReadySchema },
        },
      },
      async (request) => {
        const [store, hotState] = await Promise.all([
          check(() => options.store.ping(), timeoutMs),
          check(() => options.hotState.ping(), timeoutMs),
        ]);
        if (store !== "ok" || hotState !== "ok") {
          // A backend's error names its host and port: told to the operator (admin key, operator session, the log),
          // not to whoever can reach /readyz, which a load balancer polls without credentials.
          request.log.warn({ store, hot_state: hotState }, "not ready");
          const detail = isAdmin(request, options.adminKeySha256);
          const say = (state: string) => (state === "ok" || detail ? state : "not answering");
          throw new GavelError("GAVEL_NOT_READY", `store: ${say(store)}; hot state: ${say(hotState)}`);
        }
        return { status: "ok", store, hot_state: hotState };
      },
    );
    app.get(
      "/metrics",
      { schema: { tags, summary: "Prometheus metrics", response: { 200: MetricsText } } },
      async (_request, reply) => {
        reply.type(options.metrics.registry.contentType);
        return options.metrics.registry.metrics();
      },
    );
  };
}

function isAdmin(request: FastifyRequest, adminKeySha256: string): boolean {
  try {
    authenticateAdmin(request, adminKeySha256);
    return true;
  } catch {
    return false;
  }
}

async function check(probe: () => Promise<void>, timeoutMs: number): Promise<string> {
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
