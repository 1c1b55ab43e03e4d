// What the console's session and user routes (/v1/console/*) answer, declared once: fastify serialises the answers
// with these schemas, /docs shows them, and the console (web/src) imports the types.
import { type Static, Type } from "@sinclair/typebox";
import { CONSOLE_ROLES } from "../store/store.ts";

export const ConsoleUserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    role: Type.Union(CONSOLE_ROLES.map((role) => Type.Literal(role))),
    party_id: Type.Optional(
      Type.String({ description: "The buyer or source a buyer or source user belongs to" }),
    ),
  },
  { $id: "ConsoleUser" },
);
export type ConsoleUser = Static<typeof ConsoleUserSchema>;

/** The session's user, with its buyer's or source's name. */
export const MeSchema = Type.Object({
  user: ConsoleUserSchema,
  party: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
});
export type Me = Static<typeof MeSchema>;

export const LoginAnswerSchema = Type.Object({
  user: ConsoleUserSchema,
  expires_at: Type.String({ format: "date-time" }),
  token: Type.Optional(
    Type.String({ description: "The session token, when the login asked for it (token: true)" }),
  ),
});

export const OneUserSchema = Type.Object({ user: ConsoleUserSchema });
export const UserListSchema = Type.Object({ users: Type.Array(ConsoleUserSchema) });
export const DeletedSchema = Type.Object({ deleted: Type.String() });
export const LoggedOutSchema = Type.Object({ ok: Type.Literal(true) });
