// The one HTTP client for talking to buyers. The engine owns HTTP and time; adapters only translate.
// Keep-alive pools per buyer origin (undici Agent), an AbortSignal per request for the deadline (undici's own timers
// are coarse and default to 300 s), and a cap on response size so a hostile buyer cannot exhaust memory.
import { Agent, errors as undiciErrors } from "undici";

export interface BuyerHttpRequest {
  /** Default POST. */
  method?: "POST" | "PUT" | "GET";
  /** The endpoint: parsed once and cached, so it must not vary per request (per-request values go in `query`). */
  url: string;
  /** Encoded query text appended to the URL. */
  query?: string;
  /** Absent for a GET. */
  body?: string;
  /** Default application/json when there is a body; a `content-type` in `headers` wins. */
  contentType?: string;
  headers?: Record<string, string>;
  /** The buyer's whole budget for this request: connect, send, answer and body. */
  timeoutMs: number;
}

export interface BuyerHttpResponse {
  status: number;
  body: string;
  latencyMs: number;
}

/** Why a request to a buyer produced no usable HTTP answer. */
export type TransportFailure = "timeout" | "unreachable" | "too_large";

export class BuyerTransportError extends Error {
  readonly failure: TransportFailure;
  readonly latencyMs: number;
  constructor(failure: TransportFailure, detail: string, latencyMs: number) {
    super(detail);
    this.name = "BuyerTransportError";
    this.failure = failure;
    this.latencyMs = latencyMs;
  }
}

export class BuyerHttpClient {
  readonly #agent: Agent;
  readonly #targets = new Map<string, { origin: string; path: string }>();

  constructor(options: { maxResponseBytes: number }) {
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connections: null,
      pipelining: 1,
      maxResponseSize: options.maxResponseBytes,
      // The per-request timer enforces the real deadline; these only bound a connection if it were ever missed.
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
      connectTimeout: 10_000,
    });
  }

  async send(request: BuyerHttpRequest): Promise<BuyerHttpResponse> {
    const started = performance.now();
    // An AbortController with a timer cleared on completion, not AbortSignal.timeout: that one's timer always fires
    // and builds a DOMException with a stack trace, thousands of times a second for answers long since received.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      const { origin, path } = this.#target(request.url);
      const hasBody = request.body !== undefined;
      const response = await this.#agent.request({
        origin,
        path: request.query ? `${path}${path.includes("?") ? "&" : "?"}${request.query}` : path,
        method: request.method ?? "POST",
        headers: hasBody
          ? { "content-type": request.contentType ?? "application/json", ...request.headers }
          : { ...request.headers },
        ...(hasBody ? { body: request.body } : {}),
        signal: controller.signal,
      });
      const body = await response.body.text();
      return { status: response.statusCode, body, latencyMs: performance.now() - started };
    } catch (error) {
      const latencyMs = performance.now() - started;
      throw new BuyerTransportError(classify(error, controller.signal), describe(error), latencyMs);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Parsed once per endpoint: URL parsing is measurable on the ping path at thousands of requests a second. */
  #target(url: string): { origin: string; path: string } {
    let target = this.#targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (this.#targets.size > 10_000) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function classify(error: unknown, signal: AbortSignal): TransportFailure {
  if (signal.aborted) return "timeout";
  if (error instanceof undiciErrors.ResponseExceededMaxSizeError) return "too_large";
  return "unreachable";
}

function describe(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string")
    return error.code;
  return error instanceof Error ? error.name : "unknown error";
}
