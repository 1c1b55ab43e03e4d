// Who a console request comes from: the session token from the `gavel_session` cookie, or a bearer token that starts
// with gvl_session_. Resolved once per request by a root hook, and only for requests that carry one, so seller
// traffic (source keys) never waits on a session lookup.
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  type ConsoleAuth,
  type ConsoleIdentity,
  SESSION_COOKIE,
  SESSION_TOKEN_PREFIX,
} from "../console/console-auth.ts";
import { GavelError } from "../errors.ts";
import type { ConsoleRole } from "../store/store.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The logged-in console user, when the request carries a live session. */
    consoleUser?: ConsoleIdentity;
  }
}

// Made once: every request (seller traffic included) is looked at for a session, and a template string in the check
// would be built, then flattened for the search, each time.
const SESSION_BEARER = `Bearer ${SESSION_TOKEN_PREFIX}`;
const SESSION_COOKIE_PAIR = `${SESSION_COOKIE}=`;

/** The session token a request carries (bearer first, then the cookie), if any. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith(SESSION_BEARER)) return header.slice(7).trim();
  const cookies = request.headers.cookie;
  if (!cookies?.includes(SESSION_COOKIE_PAIR)) return undefined;
  for (const part of cookies.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/** The root onRequest hook: sets request.consoleUser when the request carries a live session. */
export function consoleSessionHook(auth: ConsoleAuth) {
  // A callback hook: seller traffic (no token) passes without a promise and a turn of the microtask queue.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const token = sessionToken(request);
    if (token === undefined) {
      done();
      return;
    }
    auth.userOf(token).then((user) => {
      if (user) request.consoleUser = user;
      done();
    }, done);
  };
}

/** The console user, who must have one of these roles: a 401 without a session, a 403 with another role. */
export function requireConsoleUser(request: FastifyRequest, ...roles: ConsoleRole[]): ConsoleIdentity {
  const user = request.consoleUser;
  if (!user) throw new GavelError("GAVEL_UNAUTHORIZED", "Log in to the console first");
  if (roles.length > 0 && !roles.includes(user.role)) {
    throw new GavelError("GAVEL_FORBIDDEN", `This needs a ${roles.join(" or ")} user`);
  }
  return user;
}

/**
 * Sets the session cookie: httpOnly (no script reads it), SameSite=Strict (no other site sends it), and Secure (sent
 * over https only) when the request came over https: TLS here, or a proxy's X-Forwarded-Proto when http.trust_proxy
 * trusts that proxy (request.protocol honours it then, and only then).
 */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeS: number,
): void {
  void reply.header(
    "set-cookie",
    `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secureFlag(request)}`,
  );
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header(
    "set-cookie",
    `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secureFlag(request)}`,
  );
}

function secureFlag(request: FastifyRequest): string {
  return request.protocol === "https" ? "; Secure" : "";
}
