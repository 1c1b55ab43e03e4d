// Console logins and sessions. A session token is random (32 bytes), handed out once at login and kept by the store
// only as its sha256, with an expiry; the browser holds it in an httpOnly, SameSite=Strict cookie, and API clients may
// send it as a bearer token instead. Every console request resolves its user through here.
import { randomBytes, randomUUID } from "node:crypto";
import { sha256Hex } from "../compliance/sha256-hex.ts";
import { GavelError } from "../errors.ts";
import type { ConsoleUsersPort } from "../store/ports.ts";
import type { ConsoleRole, ConsoleUser } from "../store/store.ts";
import { type LoginScope, loginCounters } from "./login-limits.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { MemoryLoginThrottle } from "./memory-login-throttle.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

/** Every session token starts so, which tells it apart from source, buyer and admin keys without a lookup. */
export const SESSION_TOKEN_PREFIX = "gvl_session_";
export const SESSION_COOKIE = "gavel_session";
const DEFAULT_TTL_MS = 12 * 3_600_000;
/** What a refused login says, per the counter that refused it (see login-limits.ts). */
const REFUSED: Record<LoginScope, string> = {
  accountFromAddress: "Too many wrong passwords for this email from this address; try again later",
  address: "Too many failed logins from this address; try again later",
  account: "Too many failed logins for this email from many addresses; try again later",
};

/** A user as the console shows it: never its password hash. */
export interface ConsoleIdentity {
  id: string;
  email: string;
  role: ConsoleRole;
  party_id?: string;
}

export interface NewUser {
  email: string;
  role: ConsoleRole;
  party_id?: string;
  /** A password in clear, or an already made hash (from the config file). */
  password?: string;
  password_hash?: string;
}

export class ConsoleAuth {
  readonly #store: ConsoleUsersPort;
  readonly #now: () => number;
  readonly #ttlMs: number;
  /** Verified against when the email is unknown, so a login takes as long whether or not the account exists. */
  #decoyHash: Promise<string> | undefined;
  readonly #fromFile = new Set<string>();
  /** Login attempts per email, address and both (a guess-rate limit, not an account lock): see login-limits.ts. */
  readonly #throttle: LoginThrottle;

  constructor(options: {
    store: ConsoleUsersPort;
    now?: () => number;
    sessionTtlMs?: number;
    /** Default: in process memory (one instance). */
    loginThrottle?: LoginThrottle;
  }) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.sessionTtlMs ?? DEFAULT_TTL_MS;
    this.#throttle = options.loginThrottle ?? new MemoryLoginThrottle();
  }

  /** How long a session lasts (the cookie's Max-Age). */
  get sessionTtlMs(): number {
    return this.#ttlMs;
  }

  /** Creates a user, or replaces the one with this email (its role, party and password). */
  async putUser(user: NewUser): Promise<ConsoleIdentity> {
    if (user.role !== "operator" && !user.party_id) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        `A ${user.role} user needs the id of its ${user.role}`,
        "party_id",
      );
    }
    if (user.role === "operator" && user.party_id) {
      throw new GavelError("GAVEL_VALIDATION", "An operator user has no party_id", "party_id");
    }
    const passwordHash =
      user.password_hash ?? (user.password ? await hashPassword(user.password) : undefined);
    if (!passwordHash) throw new GavelError("GAVEL_VALIDATION", "A password is required", "password");
    const stored = await this.#store.putUser({
      id: `usr_${randomUUID()}`,
      email: normaliseEmail(user.email),
      role: user.role,
      ...(user.party_id ? { party_id: user.party_id } : {}),
      password_hash: passwordHash,
      created_at: this.#now(),
    });
    return identityOf(stored);
  }

  /**
   * Deletes a user and ends its sessions at once. Refused (409) for a user the configuration file defines (it would
   * come back at the next start) and for the last operator (nobody could then manage the console's users).
   */
  async deleteUser(id: string): Promise<void> {
    const users = await this.#store.listUsers();
    const user = users.find((candidate) => candidate.id === id);
    if (!user) throw new GavelError("GAVEL_NOT_FOUND", `No console user ${id}`, "id");
    if (this.#fromFile.has(user.email)) {
      throw new GavelError(
        "GAVEL_DEFINED_IN_FILE",
        `The configuration file defines ${user.email} and would put it back at the next start: remove it there`,
        "id",
      );
    }
    if (user.role === "operator" && users.filter((candidate) => candidate.role === "operator").length === 1) {
      throw new GavelError("GAVEL_LAST_OPERATOR", `${user.email} is the last operator`, "id");
    }
    await this.#store.deleteUser(id);
  }

  /** The configuration file's users, created or updated at start: remembered so the API cannot delete them. */
  async putFileUser(user: NewUser): Promise<ConsoleIdentity> {
    const identity = await this.putUser(user);
    this.#fromFile.add(identity.email);
    return identity;
  }

  async listUsers(): Promise<ConsoleIdentity[]> {
    return (await this.#store.listUsers()).map(identityOf);
  }

  /**
   * Checks the password and opens a session: the token is returned once and never stored in clear. `clientAddress` (the
   * request's) is counted by the guess limit.
   */
  async login(
    email: string,
    password: string,
    clientAddress: string,
  ): Promise<{ token: string; expires_at: number; user: ConsoleIdentity }> {
    const key = normaliseEmail(email);
    const counters = loginCounters(key, clientAddress);
    // Counted before the password is checked, so parallel guesses cannot slip past the limit. When the shared throttle
    // (Redis) fails, this rejects with 503 within its command timeout: fail closed, as a guess limit must.
    const refusedBy = await this.#throttle.tryAttempt(counters, this.#now());
    if (refusedBy) {
      const scope = counters.find((counter) => counter.key === refusedBy.key)!.scope;
      throw new GavelError("GAVEL_RATE_LIMITED", REFUSED[scope]);
    }
    const user = await this.#store.getUserByEmail(key);
    this.#decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
    const matches = await verifyPassword(password, user?.password_hash ?? (await this.#decoyHash));
    if (!user || !matches) throw new GavelError("GAVEL_UNAUTHORIZED", "Wrong email or password");
    // The password was right: the attempts are forgotten (should that fail, they expire with their window).
    await this.#throttle.succeeded(counters).catch(() => {});
    const token = SESSION_TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const createdAt = this.#now();
    const expiresAt = createdAt + this.#ttlMs;
    await this.#store.createSession({
      token_sha256: sha256Hex(token),
      user_id: user.id,
      created_at: createdAt,
      expires_at: expiresAt,
    });
    return { token, expires_at: expiresAt, user: identityOf(user) };
  }

  async logout(token: string): Promise<void> {
    await this.#store.deleteSession(sha256Hex(token));
  }

  /** The user a session token belongs to, while the session lasts. */
  async userOf(token: string): Promise<ConsoleIdentity | undefined> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX)) return undefined;
    const session = await this.#store.getSession(sha256Hex(token));
    if (!session || session.expires_at <= this.#now()) return undefined;
    const user = await this.#store.getUser(session.user_id);
    return user ? identityOf(user) : undefined;
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function identityOf(user: ConsoleUser): ConsoleIdentity {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    ...(user.party_id ? { party_id: user.party_id } : {}),
  };
}
