// The one HTTP client for talking to buyers. The engine owns HTTP and time; adapters only translate.
// Keep-alive pools per buyer origin (undici Agent), a timer per request for the deadline (undici's own timers are
// coarse and default to 300 s), and a cap on response size so a hostile buyer cannot exhaust memory.
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
    // No stack: a failure is a buyer's outcome, never a bug to trace, and it is made in a timer's or a socket's
    // callback, whose frames say nothing. Capturing one cost microseconds per failed call, many of them when buyers
    // time out under load.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = stackTraceLimit;
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

  /**
   * One request through `dispatch`, undici's lowest level, with a handler that collects the body: no AbortController,
   * response stream or async resource per buyer call (`request()` builds all three), which profiles of the ping path
   * showed among its largest costs. The deadline is one timer, cleared on the answer; when it fires first the call
   * fails at once as a timeout; a request still queued is never written, one written may finish within a grace that
   * keeps its connection (MAX_LATE_ANSWER_GRACE_MS), then is aborted.
   */
  send(request: BuyerHttpRequest): Promise<BuyerHttpResponse> {
    const started = performance.now();
    const { origin, path } = this.#target(request.url);
    const hasBody = request.body !== undefined;
    return new Promise((resolve, reject) => {
      const reply = new ReplyCollector(started, request.timeoutMs, this.#countBytesUpTo, resolve, reject);
      try {
        this.#agent.dispatch(
          {
            origin,
            path: request.query ? `${path}${path.includes("?") ? "&" : "?"}${request.query}` : path,
            method: request.method ?? "POST",
            headers: hasBody
              ? { "content-type": request.contentType ?? "application/json", ...request.headers }
              : { ...request.headers },
            ...(hasBody ? { body: request.body } : {}),
          },
          reply,
        );
      } catch (error) {
        reply.onResponseError(undefined, error as Error);
      }
    });
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

/**
 * How long a request the deadline overtook after it was written may still finish, unread by anyone, before it is
 * aborted: its own budget again, at most this. Aborting an HTTP/1.1 request destroys its keep-alive connection, and
 * under load (an exchange descheduled past a budget, a buyer a little slow) the pool would open a new connection for
 * every late answer; an answer that arrives within the grace leaves its connection in the pool. A buyer that never
 * answers holds each of its connections at most twice its budget, in its own origin's pool, not other buyers'.
 */
const MAX_LATE_ANSWER_GRACE_MS = 1_000;

/** Collects one buyer answer for `dispatch` (undici's handler interface), bounded in time and, if asked, in size. */
class ReplyCollector implements Dispatcher.DispatchHandler {
  readonly #started: number;
  /** Set when the dispatcher is not ours: the size cap is then enforced here. */
  readonly #limit: number | undefined;
  readonly #resolve: (response: BuyerHttpResponse) => void;
  readonly #reject: (error: BuyerTransportError) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #graceMs: number;
  /** After the deadline, while a written request may still finish (see MAX_LATE_ANSWER_GRACE_MS). */
  #graceTimer: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #settled = false;
  #timedOut = false;

  constructor(
    started: number,
    timeoutMs: number,
    limit: number | undefined,
    resolve: (response: BuyerHttpResponse) => void,
    reject: (error: BuyerTransportError) => void,
  ) {
    this.#started = started;
    this.#limit = limit;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#graceMs = Math.min(timeoutMs, MAX_LATE_ANSWER_GRACE_MS);
    this.#timer = setTimeout(() => this.#timeOut(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // The deadline passed while the request waited for a connection: refuse it before a byte is written. undici fails
    // a request whose handler throws here and keeps the connection; `controller.abort()` would destroy it.
    if (this.#timedOut) throw new undiciErrors.RequestAbortedError();
    this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#limit !== undefined && this.#bytes > this.#limit) {
      // Failing the way undici's own cap (the Agent's maxResponseSize) does.
      controller.abort(new undiciErrors.ResponseExceededMaxSizeError());
      return;
    }
    // A late answer is read to its end only to keep the connection; nobody will look at its body.
    if (!this.#settled) this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    if (this.#settle()) {
      // toString() without an encoding is UTF-8 and skips the encoding's lookup (~110 → ~80 ns for a bid).
      const body =
        this.#chunks.length === 1 ? this.#chunks[0]!.toString() : Buffer.concat(this.#chunks).toString();
      this.#resolve({ status: this.#status, body, latencyMs: performance.now() - this.#started });
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    if (!this.#settle()) return;
    const failure: TransportFailure =
      error instanceof undiciErrors.ResponseExceededMaxSizeError ? "too_large" : "unreachable";
    this.#reject(new BuyerTransportError(failure, describe(error), performance.now() - this.#started));
  }

  #timeOut(): void {
    this.#timedOut = true;
    if (this.#settle(false)) {
      // The detail an aborted undici request gave before (an AbortError), so traces read the same.
      this.#reject(new BuyerTransportError("timeout", "AbortError", performance.now() - this.#started));
    }
    // Not yet started: onRequestStart refuses it. Written: it may finish within the grace, then it is aborted.
    const controller = this.#controller;
    if (controller) {
      this.#graceTimer = setTimeout(
        () => controller.abort(new undiciErrors.RequestAbortedError()),
        this.#graceMs,
      );
    }
  }

  /** True the first time: an answer, a failure or the deadline, whichever comes first, settles the call. */
  #settle(clear = true): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (clear) clearTimeout(this.#timer);
    return true;
  }
}

function describe(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string")
    return error.code;
  return error instanceof Error ? error.name : "unknown error";
}
