// An answer given before the request body was read (a body over the limit) must reach the client. Closing the
// connection while the client is still sending makes its next write fail (EPIPE, ECONNRESET), and most clients send
// the whole body before they read: they would lose the answer with the connection. So the rest of the body is read
// and dropped first, within a bound, and only then answered.
import type { IncomingMessage } from "node:http";

/** Most of a body over the limit read and dropped before answering; a client that sends more may see the connection close. */
export const MAX_DISCARDED_BODY_BYTES = 8 * 1024 * 1024;
/** Longest wait for the rest of a body over the limit (a slow client cannot hold the connection longer). */
export const MAX_DISCARD_MS = 10_000;

/**
 * Reads and drops what is left of a request body, up to `maxBytes` more or `maxMs`. Resolves true when the whole body
 * was read (the answer can go out on an open connection), false when a bound was reached first or the client went
 * away; a body declared bigger than the bound is not read at all.
 */
export function discardUnreadBody(
  body: IncomingMessage,
  { maxBytes = MAX_DISCARDED_BODY_BYTES, maxMs = MAX_DISCARD_MS } = {},
): Promise<boolean> {
  if (body.complete) return Promise.resolve(true);
  if (body.destroyed || Number(body.headers["content-length"]) > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let discarded = 0;
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      body.off("data", count);
      body.off("end", ended);
      body.off("close", closed);
      body.off("error", closed);
      resolve(whole);
    };
    const count = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > maxBytes) finish(false);
    };
    const ended = () => finish(true);
    const closed = () => finish(body.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    body.on("data", count);
    body.once("end", ended);
    body.once("close", closed);
    body.once("error", closed);
    body.resume();
  });
}
