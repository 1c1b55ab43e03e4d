// The benchmark's yardstick: the least a ping fan-out server can do. It receives a ping, forwards the JSON to every
// buyer at once over keep-alive connections, and answers with the highest bid — no validation, no auth, no
// filters, no storage, no trace. The exchange's throughput and latency are reported relative to this.
//
//   node bench/reference-fanout.ts '["http://127.0.0.1:4001/ping", "http://127.0.0.1:4002/ping"]'
//
// Prints "reference fan-out listening on http://127.0.0.1:<port>" when ready; exits on SIGTERM or when its parent exits.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { exitWithParent } from "../src/sim/exit-with-parent.ts";

/** The same kind of per-request deadline the exchange enforces, so both pay for a timer per buyer call. */
const BUYER_TIMEOUT_MS = 1000;

const buyerUrls: string[] = JSON.parse(process.argv[2] ?? "[]");
if (buyerUrls.length === 0) {
  console.error("usage: node bench/reference-fanout.ts '<JSON array of buyer ping URLs>'");
  process.exit(2);
}
const agent = new Agent({ keepAliveTimeout: 30_000, connections: null, pipelining: 1 });

async function askBuyer(url: string, body: string): Promise<number> {
  try {
    const response = await agent.request({
      origin: new URL(url).origin,
      path: new URL(url).pathname,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(BUYER_TIMEOUT_MS),
    });
    const answer = (await response.body.json()) as { bid?: boolean; price?: number };
    return answer.bid === true && typeof answer.price === "number" ? answer.price : 0;
  } catch {
    return 0;
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const prices = await Promise.all(buyerUrls.map((url) => askBuyer(url, body)));
    const best = Math.max(...prices);
    const answer = JSON.stringify(best > 0 ? { status: "bid", price: best } : { status: "no_bid", price: 0 });
    res
      .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) })
      .end(answer);
  });
});
server.keepAliveTimeout = 30_000;

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`reference fan-out listening on http://127.0.0.1:${port}`);
});

const stop = () => process.exit(0);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
exitWithParent(stop);
