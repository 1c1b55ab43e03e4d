// The web console's own API: login, logout, who am I, and the operator's live numbers (server-sent events). The
// console's other screens call the admin, buyer and source APIs, which check the session's role themselves.

import type { ServerResponse } from "node:http";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ConsoleAuth, ConsoleIdentity } from "../console/console-auth.ts";
import type { LiveStats } from "../console/live-stats.ts";
import { auditEvent, configDiff } from "../engine/audit-trail.ts";
import type { ConfigService } from "../engine/config-service.ts";
import { GavelError } from "../errors.ts";
import type { AuditPort } from "../store/ports.ts";
import { auditContextOf } from "./audit-context.ts";
import { authenticateAdmin } from "./auth.ts";
import {
  type ConsoleUser,
  DeletedSchema,
  LoggedOutSchema,
  LoginAnswerSchema,
  MeSchema,
  OneUserSchema,
  UserListSchema,
} from "./console-schemas.ts";
import { clearSessionCookie, requireConsoleUser, sessionToken, setSessionCookie } from "./console-session.ts";

export interface ConsoleRoutesOptions {
  auth: ConsoleAuth;
  config: ConfigService;
  live: LiveStats;
  adminKeySha256: string;
  /** Where logins and user changes are recorded in the audit trail. */
  store: AuditPort;
}

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1000 }),
    token: Type.Optional(
      Type.Boolean({
        description: "true: also answer the session token, to send as a bearer token (API clients)",
      }),
    ),
  },
  { additionalProperties: false },
);

const UserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, pattern: "^[^@\\s]+@[^@\\s]+$" }),
    role: Type.Union([Type.Literal("operator"), Type.Literal("buyer"), Type.Literal("source")]),
    party_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "the buyer's or source's id" }),
    ),
    password: Type.String({ minLength: 8, maxLength: 1000 }),
  },
  { additionalProperties: false },
);

export function consoleRoutes(options: ConsoleRoutesOptions) {
  const { auth, config, live, store } = options;
  /** A user as the audit trail shows it: who and what they may see; never the password or its hash. */
  const userFields = (user: ConsoleIdentity | undefined) =>
    user && { email: user.email, role: user.role, ...(user.party_id ? { party_id: user.party_id } : {}) };
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["console"];
    const streams = new Set<ServerResponse>();
    // Open event streams would keep the server from closing.
    app.addHook("preClose", async () => {
      for (const stream of streams) stream.end();
      live.stop();
    });

    app.post<{ Body: { email: string; password: string; token?: boolean } }>(
      "/v1/console/login",
      {
        schema: {
          tags,
          summary: "Log in to the console: sets the httpOnly session cookie (gavel_session)",
          body: LoginBody,
          response: { 200: LoginAnswerSchema },
        },
      },
      async (request, reply) => {
        // The client's address: the socket's peer, or X-Forwarded-For's when http.trust_proxy trusts the proxy.
        const address = request.ip;
        const tried = request.body.email.trim().toLowerCase();
        let session: Awaited<ReturnType<ConsoleAuth["login"]>>;
        try {
          session = await auth.login(request.body.email, request.body.password, address);
        } catch (error) {
          // A failed login is recorded under the email tried (never the password), with why it failed.
          const code = error instanceof GavelError ? error.code : "GAVEL_INTERNAL";
          await store.appendAuditEvent(
            auditEvent("login.failure", { actor: { type: "user", id: tried }, address }, "login", [], {
              note: code,
            }),
          );
          throw error;
        }
        const { token, expires_at, user } = session;
        await store.appendAuditEvent(
          auditEvent(
            "login.success",
            { actor: { type: "user", id: user.id, role: user.role }, address },
            `user:${user.id}`,
            [],
            { note: user.email },
          ),
        );
        setSessionCookie(request, reply, token, Math.floor(auth.sessionTtlMs / 1000));
        return {
          user,
          expires_at: new Date(expires_at).toISOString(),
          ...(request.body.token ? { token } : {}),
        };
      },
    );

    app.post(
      "/v1/console/logout",
      { schema: { tags, summary: "End this console session", response: { 200: LoggedOutSchema } } },
      async (request, reply) => {
        const token = sessionToken(request);
        if (token !== undefined) await auth.logout(token);
        clearSessionCookie(request, reply);
        return { ok: true };
      },
    );

    app.get(
      "/v1/console/me",
      {
        schema: {
          tags,
          summary: "The logged-in console user, with its buyer's or source's name",
          response: { 200: MeSchema },
        },
      },
      async (request) => {
        const user = requireConsoleUser(request);
        const snapshot = config.snapshot;
        const party =
          user.role === "buyer"
            ? snapshot.buyerById.get(user.party_id ?? "")
            : user.role === "source"
              ? snapshot.sourceById.get(user.party_id ?? "")
              : undefined;
        return { user, ...(party ? { party: { id: party.id, name: party.name ?? party.id } } : {}) };
      },
    );

    app.post<{
      Body: { email: string; role: "operator" | "buyer" | "source"; party_id?: string; password: string };
    }>(
      "/v1/console/users",
      {
        schema: {
          tags,
          summary:
            "Operator (or admin key): create a console user, or replace the one with this email (role, party, password)",
          body: UserBody,
          response: { 200: OneUserSchema },
        },
      },
      async (request) => {
        authenticateAdmin(request, options.adminKeySha256);
        const { role, party_id } = request.body;
        const snapshot = config.snapshot;
        const known =
          role === "operator" ||
          (role === "buyer"
            ? snapshot.buyerById.has(party_id ?? "")
            : snapshot.sourceById.has(party_id ?? ""));
        if (!known)
          throw new GavelError(
            "GAVEL_VALIDATION",
            `No ${role} ${party_id ?? "(party_id missing)"}`,
            "party_id",
          );
        const before = (await auth.listUsers()).find(
          (user) => user.email === request.body.email.trim().toLowerCase(),
        );
        const user = await auth.putUser(request.body);
        // Recorded right after the user is stored (auth.putUser owns that write). A new password shows as changed,
        // never as a value.
        const changes = configDiff("user", userFields(before), userFields(user));
        if (before) changes.push({ path: "password", before: "(set)", after: "(set again)" });
        await store.appendAuditEvent(
          auditEvent("user.put", auditContextOf(request), `user:${user.id}`, changes),
        );
        return { user };
      },
    );

    app.delete<{ Params: { id: string } }>(
      "/v1/console/users/:id",
      {
        schema: {
          tags,
          summary:
            "Operator (or admin key): delete a console user; its sessions end at once (409 for the last operator, " +
            "or a user the configuration file defines)",
          params: Type.Object({
            id: Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000]+$" }),
          }),
          response: { 200: DeletedSchema },
        },
      },
      async (request) => {
        authenticateAdmin(request, options.adminKeySha256);
        const before = (await auth.listUsers()).find((user) => user.id === request.params.id);
        await auth.deleteUser(request.params.id);
        await store.appendAuditEvent(
          auditEvent(
            "user.delete",
            auditContextOf(request),
            `user:${request.params.id}`,
            configDiff("user", userFields(before), undefined),
          ),
        );
        return { deleted: request.params.id };
      },
    );

    app.get(
      "/v1/console/users",
      {
        schema: {
          tags,
          summary: "Operator (or admin key): the console users",
          response: { 200: UserListSchema },
        },
      },
      async (request) => {
        authenticateAdmin(request, options.adminKeySha256);
        return { users: await auth.listUsers() };
      },
    );

    app.get(
      "/v1/console/live",
      {
        schema: {
          tags,
          summary:
            "Operator: live numbers as server-sent events, one a second (pings/s, bid rate, sold %, p50/p99, buyers)",
          // A stream written by hand (the reply is hijacked): no serializer runs; this says what each event holds.
          response: {
            200: {
              content: {
                "text/event-stream": {
                  schema: Type.String({
                    description:
                      "One `data: <JSON>` event a second, the JSON being a LiveSnapshot (src/console/live-snapshot.ts)",
                  }),
                },
              },
            },
          },
        },
      },
      async (request, reply) => {
        requireConsoleUser(request, "operator");
        reply.hijack();
        const stream = reply.raw;
        stream.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache, no-transform",
          connection: "keep-alive",
        });
        streams.add(stream);
        const stop = live.subscribe((snapshot) => stream.write(`data: ${JSON.stringify(snapshot)}\n\n`));
        stream.on("close", () => {
          stop();
          streams.delete(stream);
        });
      },
    );
  };
}

/** Compile-time guard: a field added to a console identity fails here until its schema says it (or drops it). */
const identityCovered: Record<Exclude<keyof ConsoleIdentity, keyof ConsoleUser>, never> = {};
void identityCovered;
