// Buyers that record every post they receive and keep every lead posted to them (as a real buyer's CRM would, whether
// or not its answer got back), for crash tests. Real HTTP servers in the test process: the exchange under test is
// another process. Armed, a buyer kills that process (SIGKILL) at a chosen moment of a post: as the post arrives
// (before any answer), or right after its "accepted" answer is sent (between the buyer's acceptance and the sale's
// commit). A ping is answered with a bid at the buyer's price, valid for two minutes.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type KillMoment = "on_receipt" | "after_accepting";

export interface ReceivedPost {
  buyer: string;
  /** The exchange's request_id: the ping id (the auction id). */
  request_id: string;
  /** Whether this buyer's "accepted" answer went out (false: the exchange died first, or it was held). */
  answered: boolean;
}

export class RecordingBuyers {
  readonly posts: ReceivedPost[] = [];
  readonly #prices: Record<string, number>;
  #armed: { moment: KillMoment; pid: number } | undefined;
  #server: Server | undefined;
  url = "";

  constructor(prices: Record<string, number>) {
    this.#prices = prices;
  }

  async start(): Promise<void> {
    this.#server = createServer(async (request, response) => {
      const [, buyer = "", kind] = (request.url ?? "").split("/");
      const body = JSON.parse((await readBody(request)) || "{}") as { request_id?: string };
      const price = buyer === undefined ? undefined : this.#prices[buyer];
      if (price === undefined) return void response.writeHead(404).end();
      if (kind === "ping") {
        response.writeHead(200, { "content-type": "application/json" });
        return void response.end(JSON.stringify({ bid: true, price, expires_in_s: 120 }));
      }
      const post: ReceivedPost = { buyer, request_id: String(body.request_id), answered: false };
      this.posts.push(post);
      const armed = this.#armed;
      this.#armed = undefined;
      if (armed?.moment === "on_receipt") {
        process.kill(armed.pid, "SIGKILL");
        return; // The connection dies with the exchange.
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ accepted: true, buyer_lead_id: `${buyer}-${post.request_id}` }), () => {
        post.answered = true;
        if (armed?.moment === "after_accepting") process.kill(armed.pid, "SIGKILL");
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The next post any of these buyers receives kills the process `pid` at `moment`. */
  arm(moment: KillMoment, pid: number): void {
    this.#armed = { moment, pid };
  }

  disarm(): void {
    this.#armed = undefined;
  }

  pingUrl(buyer: string): string {
    return `${this.url}/${buyer}/ping`;
  }

  postUrl(buyer: string): string {
    return `${this.url}/${buyer}/post`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}
