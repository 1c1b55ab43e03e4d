// What the buyer farm process and its client say to each other: the ready line and the control API's shapes.

/** One request a simulated buyer received, kept so tests can assert on exactly what the exchange sent. */
export interface RecordedRequest {
  buyer: string;
  kind: "ping" | "post";
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text, unparsed, so tests can see exactly what crossed the wire. */
  body: string;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
}

/** Counters per buyer, as served by `GET /stats`. */
export interface BuyerStats {
  pings: number;
  bids: number;
  noBids: number;
  posts: number;
  accepted: number;
  rejected: number;
  /** Pings answered with a fault (hang, reset, garbage, huge, error500). */
  pingFaults: number;
  /** Posts answered with a fault: with rejections, what makes the exchange fall back to the next bid. */
  postFaults: number;
}

export interface BuyerUrls {
  ping: string;
  post: string;
}

/** The one line of JSON the farm prints to stdout once every server listens. */
export interface FarmReadyLine {
  ready: true;
  control: string;
  buyers: Record<string, BuyerUrls>;
}

export function emptyStats(): BuyerStats {
  return { pings: 0, bids: 0, noBids: 0, posts: 0, accepted: 0, rejected: 0, pingFaults: 0, postFaults: 0 };
}
