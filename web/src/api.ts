// The console's calls to the exchange. The session rides in the httpOnly cookie, so no token is ever in script reach.

import type { ConsoleUser, Me } from "../../src/http/console-schemas.ts";

export type { Me };
export type Role = ConsoleUser["role"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault (config validation names it: "pricing.price", "caps"). */
    readonly field?: string,
    /** What went wrong underneath, for the developer console; never shown. */
    readonly underlying?: unknown,
  ) {
    super(message);
  }
}

/** Said when a screen's data cannot be fetched at all (the exchange is down, or the network is). */
export const OFFLINE_MESSAGE =
  "The exchange cannot be reached: check the network connection, then try again.";

/** Fired when the exchange answers 401 to a logged-in console: the session ended, so the console shows the login. */
export const SESSION_ENDED = "gavel:session-ended";

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    // fetch rejects only when no answer came (TypeError "Failed to fetch"), or when a screen gave up (AbortError).
    throw new ApiError(0, "NETWORK", OFFLINE_MESSAGE, undefined, error);
  }
  const text = await response.text();
  let json: { error?: { code?: string; message?: string; field?: string } } | undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page (502, 504), or anything else that is not the exchange's JSON.
    if (!response.ok) throw new ApiError(response.status, "HTTP", unreadableAnswer(response.status));
    throw new ApiError(response.status, "HTTP", "The exchange answered something the console cannot read.");
  }
  if (!response.ok) {
    if (response.status === 401 && path !== "/v1/console/me" && path !== "/v1/console/login")
      window.dispatchEvent(new Event(SESSION_ENDED));
    throw new ApiError(
      response.status,
      json?.error?.code ?? "HTTP",
      json?.error?.message ?? response.statusText,
      json?.error?.field,
    );
  }
  return json as T;
}

function unreadableAnswer(status: number): string {
  if (status === 502 || status === 503 || status === 504)
    return `The exchange is not answering (HTTP ${status} from a proxy in front of it). Try again in a moment.`;
  return `The exchange answered with an error page (HTTP ${status}).`;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => api<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);

const DOLLARS = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** Dollars as an operator reads them: $136,270.84 and −$722.50 (a true minus sign, before the dollar sign). */
export const money = (value: number | undefined | null) =>
  value === undefined || value === null || !Number.isFinite(value)
    ? "—"
    : value < 0 && DOLLARS.format(-value) !== "$0.00"
      ? `\u2212${DOLLARS.format(-value)}`
      : DOLLARS.format(Math.abs(value));

export const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : "—");
