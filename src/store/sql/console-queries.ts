// The operator's side, written once: configuration entities, the audit trail, console users and their sessions.
import type { AuditEvent, AuditQuery } from "../audit-events.ts";
import { AUDIT_COLUMNS, auditRowValues, auditWhere } from "../audit-rows.ts";
import { USER_COLUMNS, userRowValues } from "../console-rows.ts";
import type { ConsoleSession, ConsoleUser } from "../store.ts";
import { type Dialect, placeholders, type Statement, statement } from "./dialect.ts";

export const loadConfig = (d: Dialect): Statement =>
  statement(d, "SELECT kind, body FROM config_entities ORDER BY kind, id");

export const putEntity = (d: Dialect, kind: string, id: string, body: object, at: number): Statement =>
  statement(
    d,
    `INSERT INTO config_entities (kind, id, body, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
    [kind, id, JSON.stringify(body), at],
  );

export const deleteEntity = (d: Dialect, kind: string, id: string): Statement =>
  statement(d, "DELETE FROM config_entities WHERE kind = $1 AND id = $2", [kind, id]);

/** Safe to repeat: the id is the primary key, a second run inserts nothing. */
export const insertAuditEvent = (d: Dialect, event: AuditEvent): Statement =>
  statement(
    d,
    `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(AUDIT_COLUMNS)}) ON CONFLICT (id) DO NOTHING`,
    auditRowValues(event),
  );

export function listAuditEvents(d: Dialect, query: AuditQuery): Statement {
  const { where, values, limitAt } = auditWhere(query, (n) => `$${n}`);
  return statement(d, `SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT ${limitAt}`, values);
}

export const getUser = (d: Dialect, id: string): Statement =>
  statement(d, "SELECT * FROM console_users WHERE id = $1", [id]);

export const userByEmail = (d: Dialect, email: string): Statement =>
  statement(d, "SELECT * FROM console_users WHERE email = $1", [email]);

export const listUsers = (d: Dialect): Statement =>
  statement(d, "SELECT * FROM console_users ORDER BY email");

export const endSessionsOfEmail = (d: Dialect, email: string): Statement =>
  statement(
    d,
    "DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM console_users WHERE email = $1)",
    [email],
  );

/** A user with a known email keeps its id and creation time; the rest is replaced. Answers the user as stored. */
export const upsertUser = (d: Dialect, user: ConsoleUser): Statement =>
  statement(
    d,
    `INSERT INTO console_users (${USER_COLUMNS}) VALUES (${placeholders(USER_COLUMNS)})
     ON CONFLICT (email) DO UPDATE SET role = excluded.role, party_id = excluded.party_id,
       password_hash = excluded.password_hash
     RETURNING *`,
    userRowValues(user),
  );

export const endSessionsOfUser = (d: Dialect, userId: string): Statement =>
  statement(d, "DELETE FROM console_sessions WHERE user_id = $1", [userId]);

export const deleteUser = (d: Dialect, id: string): Statement =>
  statement(d, "DELETE FROM console_users WHERE id = $1", [id]);

export const dropExpiredSessions = (d: Dialect, at: number): Statement =>
  statement(d, "DELETE FROM console_sessions WHERE expires_at <= $1", [at]);

export const insertSession = (d: Dialect, session: ConsoleSession): Statement =>
  statement(
    d,
    `INSERT INTO console_sessions (token_sha256, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (token_sha256) DO NOTHING`,
    [session.token_sha256, session.user_id, session.created_at, session.expires_at],
  );

export const getSession = (d: Dialect, tokenSha256: string): Statement =>
  statement(d, "SELECT * FROM console_sessions WHERE token_sha256 = $1", [tokenSha256]);

export const deleteSession = (d: Dialect, tokenSha256: string): Statement =>
  statement(d, "DELETE FROM console_sessions WHERE token_sha256 = $1", [tokenSha256]);
