// A buyer's webhook endpoint or a source's postback endpoint, as a real HTTP server in the test process. It records
// every request; given a secret, it verifies Gavel's webhook signature the way docs/api.md tells a buyer to (400 when
// it fails) and counts each delivery id it accepted, so a test can see a lead taken exactly once.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { type SignatureCheck, verifyWebhookSignature } from "../../src/deliveries/webhook-signature.ts";

export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Present when the receiver verifies signatures. */
  signature?: SignatureCheck;
  /** What the receiver answered (0 while held). */
  status: number;
}

/** A planned answer: an HTTP status, or "hold" (never answer: the request is in flight until the sender dies). */
export type PlannedAnswer = number | "hold";

export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #planned: PlannedAnswer[] = [];
  readonly #secret: string | undefined;
  readonly #held: ServerResponse[] = [];
  #server: Server | undefined;
  url = "";

  constructor(options: { secret?: string; path?: string } = {}) {
    this.#secret = options.secret;
    this.#path = options.path ?? "/hook";
  }

  readonly #path: string;

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => {
        body += chunk;
      });
      request.on("end", () => {
        const received: ReceivedRequest = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body,
          status: 0,
        };
        this.requests.push(received);
        if (this.#secret !== undefined) {
          const header = request.headers["gavel-signature"];
          received.signature = verifyWebhookSignature({
            secret: this.#secret,
            header: typeof header === "string" ? header : undefined,
            body,
          });
          if (!received.signature.ok) return this.#answer(response, received, 400);
        }
        const planned = this.#planned.shift() ?? 200;
        if (planned === "hold") {
          this.#held.push(response);
          return;
        }
        this.#answer(response, received, planned);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    this.url = `http://127.0.0.1:${port}${this.#path}`;
  }

  /** The next answers, in order: e.g. (500, 500) fails twice, then the receiver accepts again. */
  plan(...answers: PlannedAnswer[]): void {
    this.#planned.push(...answers);
  }

  /** The requests of one delivery (webhooks: its Gavel-Delivery id). */
  deliveries(deliveryId: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.headers["gavel-delivery"] === deliveryId);
  }

  /** How many times a delivery was taken: answered 2xx with a valid signature. */
  accepted(deliveryId: string): number {
    return this.deliveries(deliveryId).filter((r) => r.status >= 200 && r.status < 300).length;
  }

  async stop(): Promise<void> {
    for (const response of this.#held) response.destroy();
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #answer(response: ServerResponse, received: ReceivedRequest, status: number): void {
    received.status = status;
    response.statusCode = status;
    response.end();
  }
}
