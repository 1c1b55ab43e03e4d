// Console users and sessions as rows, for both stores (PostgreSQL answers bigint columns as strings).
import type { Row } from "./record-rows.ts";
import type { ConsoleRole, ConsoleSession, ConsoleUser } from "./store.ts";

export const USER_COLUMNS = "id, email, role, party_id, password_hash, created_at";

export function userRowValues(user: ConsoleUser): unknown[] {
  return [user.id, user.email, user.role, user.party_id ?? null, user.password_hash, user.created_at];
}

export function userFromRow(row: Row): ConsoleUser {
  return {
    id: String(row.id),
    email: String(row.email),
    role: String(row.role) as ConsoleRole,
    ...(row.party_id === null || row.party_id === undefined ? {} : { party_id: String(row.party_id) }),
    password_hash: String(row.password_hash),
    created_at: Number(row.created_at),
  };
}

export function sessionFromRow(row: Row): ConsoleSession {
  return {
    token_sha256: String(row.token_sha256),
    user_id: String(row.user_id),
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
  };
}
