// A source's postback endpoint, as a real HTTP server in the test process.
import { createServer, type Server } from "node:http";

/** A source's postback endpoint: records every body, answers with the next planned status (then 200). */
export class PostbackReceiver {
  readonly received: Record<string, unknown>[] = [];
  readonly #planned: number[] = [];
  #server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        this.received.push(JSON.parse(body));
        response.statusCode = this.#planned.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/postback`;
  }

  /** The next answers, in order: e.g. [500, 500] fails twice, then succeeds. */
  plan(...statuses: number[]): void {
    this.#planned.push(...statuses);
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
