// What every peer (a buyer platform or consent service mocked from its public spec) shares: a real HTTP server on a
// port the OS picks, a log of what it received, and a way to stop it with its connections.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Peer {
  /** Base URL, no trailing slash (e.g. http://127.0.0.1:40123). */
  url: string;
  received(): ReceivedRequest[];
  stop(): Promise<void>;
}

export type PeerHandler = (request: ReceivedRequest, res: ServerResponse) => void;

export async function startPeer(handle: PeerHandler): Promise<Peer> {
  const log: ReceivedRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      method: req.method ?? "",
      url: req.url ?? "/",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    log.push(request);
    try {
      handle(request, res);
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the peer did not bind");
  return {
    url: `http://127.0.0.1:${address.port}`,
    received: () => [...log],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType }).end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

/** The media type of a request, lower case, without parameters. */
export function mediaType(request: ReceivedRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

/** A form body or query string as a map (the last value of a repeated name wins, as PHP reads it). */
export function formFields(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

export function queryOf(request: ReceivedRequest): URLSearchParams {
  return new URL(request.url, "http://peer").searchParams;
}

export function pathOf(request: ReceivedRequest): string {
  return new URL(request.url, "http://peer").pathname;
}
