// The one HTTP client for talking to buyers. The engine owns HTTP and time; adapters only translate.
// Keep-alive pools per buyer origin (undici Agent), an AbortSignal per request for the deadline (undici's own timers
// are coarse and default to 300 s), and a cap on response size so a hostile buyer cannot exhaust memory.
import { Agent, type Dispatcher, errors as undiciErrors } from "undici";

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

export interface BuyerHttpClientOptions {
  maxResponseBytes: number;
  /**
   * Where requests go instead of the client's own keep-alive Agent: an undici `MockAgent` standing in for buyers in
   * tests, or a proxy agent. The client then closes nothing (the dispatcher is the caller's) and counts the response
   * bytes itself, since the size cap is an Agent option the given dispatcher may not have.
   */
  dispatcher?: Dispatcher;
}

export class BuyerHttpClient {
  readonly #agent: Dispatcher;
  readonly #ownsAgent: boolean;
  /** Set when the dispatcher is not ours: the response size cap is then enforced while reading the body. */
  readonly #countBytesUpTo: number | undefined;
  readonly #targets = new Map<string, { origin: string; path: string }>();

  constructor(options: BuyerHttpClientOptions) {
    this.#ownsAgent = options.dispatcher === undefined;
    this.#countBytesUpTo = options.dispatcher ? options.maxResponseBytes : undefined;
    this.#agent =
      options.dispatcher ??
      new Agent({
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
      const body =
        this.#countBytesUpTo === undefined
          ? await response.body.text()
          : await textUpTo(response.body, this.#countBytesUpTo);
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
    if (this.#ownsAgent) await this.#agent.close();
  }
}

/** The body as text, failing the way undici's own cap does once it passes `limit` bytes. */
async function textUpTo(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > limit) {
      body.destroy();
      throw new undiciErrors.ResponseExceededMaxSizeError();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
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
