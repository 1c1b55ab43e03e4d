// The console's calls to the exchange. The session rides in the httpOnly cookie, so no token is ever in script reach.

export type Role = "operator" | "buyer" | "source";

export interface Me {
  user: { id: string; email: string; role: Role; party_id?: string };
  party?: { id: string; name: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault (config validation names it: "pricing.price", "caps"). */
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      json?.error?.code ?? "HTTP",
      json?.error?.message ?? response.statusText,
      json?.error?.field,
    );
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => api<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);

export const money = (value: number | undefined | null) =>
  value === undefined || value === null ? "—" : `$${value.toFixed(2)}`;

export const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : "—");
