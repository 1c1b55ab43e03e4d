// The buyer farm's control API, on its own port so it never mixes with buyer traffic:
//   GET /requests · DELETE /requests · PUT /buyers/:name · GET /stats
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type BuyerBehavior, behaviorProblem } from "./buyer-behavior.ts";
import type { BuyerStats } from "./buyer-farm-protocol.ts";
import { readBody, sendJson } from "./http-json.ts";
import type { RequestLog } from "./request-log.ts";
import type { SimulatedBuyer } from "./simulated-buyer.ts";

export function createControlServer(buyers: ReadonlyMap<string, SimulatedBuyer>, log: RequestLog): Server {
  return createServer((req, res) => {
    route(req, res).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://farm").pathname;
    if (path === "/requests" && req.method === "GET") return sendJson(res, 200, log.list());
    if (path === "/requests" && req.method === "DELETE") {
      log.clear();
      return sendJson(res, 200, { cleared: true });
    }
    if (path === "/stats" && req.method === "GET") {
      const stats: Record<string, BuyerStats> = {};
      for (const [name, buyer] of buyers) stats[name] = buyer.stats;
      return sendJson(res, 200, stats);
    }
    const buyerPath = /^\/buyers\/([^/]+)$/.exec(path);
    if (buyerPath && req.method === "PUT") {
      const name = decodeURIComponent(buyerPath[1]!);
      const buyer = buyers.get(name);
      if (!buyer) return sendJson(res, 404, { error: `no buyer named ${name}` });
      let behavior: unknown;
      try {
        behavior = JSON.parse(await readBody(req));
      } catch {
        return sendJson(res, 400, { error: "body is not JSON" });
      }
      const problem = behaviorProblem(behavior);
      if (problem) return sendJson(res, 400, { error: problem });
      // The name is the buyer's identity (its URLs and stats); the path decides it, whatever the body says.
      buyer.setBehavior({ ...(behavior as BuyerBehavior), name });
      return sendJson(res, 200, { updated: name });
    }
    sendJson(res, 404, { error: "not found" });
  }
}
