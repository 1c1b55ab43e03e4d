// One simulated buyer: an HTTP server speaking the native buyer protocol (DESIGN "Contracts") with a configurable
// behaviour — bid rate, prices, latency distribution and faults.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type BuyerBehavior,
  type BuyerFault,
  DEFAULT_POST_LATENCY_MS,
  sampleLatencyMs,
  samplePrice,
} from "./buyer-behavior.ts";
import { type BuyerStats, type BuyerUrls, emptyStats } from "./buyer-farm-protocol.ts";
import { readBody, sendJson } from "./http-json.ts";
import { chance } from "./random.ts";
import type { RequestLog } from "./request-log.ts";

export interface SimulatedBuyer {
  readonly name: string;
  readonly urls: BuyerUrls;
  readonly stats: BuyerStats;
  /** Replaces the behaviour; requests already waiting keep the one they started with. */
  setBehavior(behavior: BuyerBehavior): void;
  /** Stops listening and drops every open connection, hanging ones included. */
  close(): Promise<void>;
}

/** Idle keep-alive connections stay open this long, longer than undici's default, so pooled sockets are reused. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;
const HUGE_BODY_BYTES = 10 * 1024 * 1024;

export async function startSimulatedBuyer(initial: BuyerBehavior, log: RequestLog): Promise<SimulatedBuyer> {
  let behavior = initial;
  const stats = emptyStats();

  const server = createServer((req, res) => {
    handleRequest(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kind = req.url === "/ping" ? "ping" : req.url === "/post" ? "post" : undefined;
    if (req.method !== "POST" || kind === undefined) {
      sendJson(res, 404, { error: "not found: use POST /ping or POST /post" });
      return;
    }
    const body = await readBody(req);
    // Built only when kept: a copy of the headers per request is most of a bench buyer's garbage.
    if (log.limit > 0)
      log.record({
        buyer: behavior.name,
        kind,
        method: req.method,
        path: req.url ?? "",
        headers: { ...req.headers },
        body,
        at: Date.now(),
      });
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      sendJson(res, 400, { error: "body is not JSON" });
      return;
    }
    if (kind === "ping") await answerPing(behavior, payload, req, res);
    else await answerPost(behavior, req, res);
  }

  async function answerPing(b: BuyerBehavior, payload: unknown, req: IncomingMessage, res: ServerResponse) {
    stats.pings++;
    const fault = b.fault && chance(b.faultRate ?? 1) ? b.fault : undefined;
    if (!(await wait(sampleLatencyMs(b.latencyMs), res))) return;
    if (fault) {
      stats.pingFaults++;
      misbehave(fault, req, res);
      return;
    }
    if (chance(b.bidRate) && !excludedState(b, payload)) {
      stats.bids++;
      sendJson(res, 200, {
        bid: true,
        price: samplePrice(b.price),
        bid_id: randomUUID(),
        ...(b.expiresInS !== undefined && { expires_in_s: b.expiresInS }),
      });
      return;
    }
    stats.noBids++;
    if (b.noBidAs204) {
      res.writeHead(204).end();
    } else {
      sendJson(res, 200, { bid: false, reason: "not_interested" });
    }
  }

  async function answerPost(b: BuyerBehavior, req: IncomingMessage, res: ServerResponse) {
    stats.posts++;
    if (!(await wait(b.postLatencyMs ?? DEFAULT_POST_LATENCY_MS, res))) return;
    if (b.postFault) {
      stats.postFaults++;
      misbehave(b.postFault, req, res);
      return;
    }
    if (chance(b.postAcceptRate)) {
      stats.accepted++;
      sendJson(res, 200, { accepted: true, buyer_lead_id: `${b.name}-${randomUUID()}` });
    } else {
      stats.rejected++;
      sendJson(res, 200, { accepted: false, reason: "duplicate" });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    name: initial.name,
    urls: { ping: `${base}/ping`, post: `${base}/post` },
    stats,
    setBehavior(next) {
      behavior = next;
    },
    close: () => closeServer(server),
  };
}

function excludedState(b: BuyerBehavior, payload: unknown): boolean {
  if (!b.noBidStates?.length) return false;
  const state = (payload as { lead?: { state?: unknown } } | null)?.lead?.state;
  return typeof state === "string" && b.noBidStates.includes(state);
}

function misbehave(fault: BuyerFault, req: IncomingMessage, res: ServerResponse): void {
  switch (fault) {
    case "hang":
      // Answer nothing: the socket stays open until the client gives up or the farm shuts down.
      return;
    case "reset":
      req.socket.destroy();
      return;
    case "garbage":
      res.writeHead(200, { "content-type": "text/html" }).end("<html>oops");
      return;
    case "huge":
      void streamHugeBody(res);
      return;
    case "error500":
      sendJson(res, 500, { error: "internal server error" });
      return;
  }
}

/** Streams ~10 MB that starts like a bid, honouring backpressure and stopping when the client hangs up. */
async function streamHugeBody(res: ServerResponse): Promise<void> {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"bid":true,"price":1.00,"padding":"');
  const chunk = "x".repeat(64 * 1024);
  for (let sent = 0; sent < HUGE_BODY_BYTES; sent += chunk.length) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      const drained = await new Promise<boolean>((resolve) => {
        // Whichever fires first removes the other, so a long stream does not pile up listeners.
        const onDrain = () => {
          res.off("close", onClose);
          resolve(true);
        };
        const onClose = () => {
          res.off("drain", onDrain);
          resolve(false);
        };
        res.once("drain", onDrain);
        res.once("close", onClose);
      });
      if (!drained) return;
    }
  }
  res.end('"}');
}

/**
 * Waits `ms`, resolving true, or false as soon as the client goes away (there is then nobody to answer).
 * A zero delay answers synchronously: the benchmark's instant buyers should cost no timer.
 */
function wait(ms: number, res: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off("close", onClose);
      resolve(true);
    }, ms);
    res.once("close", onClose);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
