// Encryption at rest of a lead's PII (docs/privacy.md): AES-256-GCM (node:crypto), a fresh 96-bit IV per value, the
// key id stored with each value so keys can rotate. A sealed value is one string,
// `gavel-pii:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`, stored where the JSON was (a JSON string, so the
// columns keep their type on both stores). A value that cannot be opened (its key is not configured, or it was
// tampered with) is an error, never garbage.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const PREFIX = "gavel-pii:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A missing, malformed or unknown PII key: a start-up error (or a read that cannot be answered). */
export class PiiKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PiiKeyError";
  }
}

/** The keys PII is sealed with: the current one (new values), and older ones still readable until rotated out. */
export interface PiiKeyRing {
  /** Seals new values; absent: PII is stored in clear. */
  current?: { id: string; key: Buffer };
  /** Every key that may open a value, by id (the current one included). */
  keys: ReadonlyMap<string, Buffer>;
}

export const NO_PII_KEYS: PiiKeyRing = { keys: new Map() };

/** A key's id: its fingerprint (so the same key always has the same id, and the id reveals nothing of it). */
export function piiKeyId(key: Buffer): string {
  return createHash("sha256").update("gavel-pii-key:").update(key).digest("hex").slice(0, 12);
}

/** A key as configured: 32 bytes as base64 (44 characters) or hex (64 characters). */
export function parsePiiKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (
    key.length !== KEY_BYTES ||
    (!/^[0-9a-fA-F]{64}$/.test(trimmed) && key.toString("base64") !== trimmed)
  ) {
    throw new PiiKeyError(
      `${where} is not a PII key: give 32 random bytes as base64 or hex (e.g. openssl rand -base64 32)`,
    );
  }
  return key;
}

/**
 * The key ring from the environment: GAVEL_PII_KEY (or GAVEL_PII_KEY_FILE, a file holding it) seals new values;
 * GAVEL_PII_OLD_KEYS (comma-separated) are keys still readable, for the time between a rotation's start and its end.
 */
export function loadPiiKeyRing(env: NodeJS.ProcessEnv = process.env): PiiKeyRing {
  const keys = new Map<string, Buffer>();
  let current: PiiKeyRing["current"];
  const fromFile = env.GAVEL_PII_KEY_FILE?.trim();
  const text = env.GAVEL_PII_KEY?.trim() || (fromFile ? readKeyFile(fromFile) : undefined);
  if (text) {
    const key = parsePiiKey(
      text,
      fromFile && !env.GAVEL_PII_KEY?.trim() ? `GAVEL_PII_KEY_FILE (${fromFile})` : "GAVEL_PII_KEY",
    );
    current = { id: piiKeyId(key), key };
    keys.set(current.id, key);
  }
  for (const [index, old] of (env.GAVEL_PII_OLD_KEYS ?? "").split(",").entries()) {
    if (!old.trim()) continue;
    const key = parsePiiKey(old, `GAVEL_PII_OLD_KEYS (key ${index + 1})`);
    keys.set(piiKeyId(key), key);
  }
  return current ? { current, keys } : { keys };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new PiiKeyError(`GAVEL_PII_KEY_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
}

/** Whether a stored value is sealed, and under which key. */
export function sealedKeyId(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.startsWith(PREFIX)) return undefined;
  return value.slice(PREFIX.length, value.indexOf(":", PREFIX.length));
}

/** Seals text under the ring's current key (or answers it unchanged when there is none). */
export function sealPii(ring: PiiKeyRing, text: string): string {
  const current = ring.current;
  if (!current) return text;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", current.key, iv);
  const sealed = Buffer.concat([iv, cipher.update(text, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${current.id}:${sealed.toString("base64url")}`;
}

/** Opens a sealed value; throws PiiKeyError when its key is not in the ring or the value does not authenticate. */
export function openPii(ring: PiiKeyRing, value: string): string {
  const keyId = sealedKeyId(value);
  if (keyId === undefined) return value;
  const key = ring.keys.get(keyId);
  if (!key) {
    throw new PiiKeyError(
      `PII sealed with key ${keyId} cannot be read: that key is neither GAVEL_PII_KEY nor in GAVEL_PII_OLD_KEYS`,
    );
  }
  const sealed = Buffer.from(value.slice(PREFIX.length + keyId.length + 1), "base64url");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new PiiKeyError(`PII sealed with key ${keyId} does not authenticate: the value was altered`);
  }
}

/**
 * The start-up check: every key the store's leads may be sealed with (`inUse`, as the store records them) must be in
 * the ring. Throws a PiiKeyError that says which key is missing and where to put it.
 */
export function checkPiiKeysInUse(ring: PiiKeyRing, inUse: readonly string[]): void {
  const missing = inUse.filter((id) => !ring.keys.has(id));
  if (missing.length === 0) return;
  const ids = missing.join(", ");
  throw new PiiKeyError(
    ring.current
      ? `leads' PII is sealed with key ${ids}, which neither GAVEL_PII_KEY nor GAVEL_PII_OLD_KEYS holds: ` +
          "add the old key to GAVEL_PII_OLD_KEYS (then run gavel keys rotate to retire it)"
      : `leads' PII is encrypted (key ${ids}) but no key is configured: set GAVEL_PII_KEY or GAVEL_PII_KEY_FILE`,
  );
}

/** A PII column's stored value sealed under the ring's current key, or undefined when it already is. */
export function resealedColumn(
  ring: PiiKeyRing,
  stored: unknown,
  parse: (value: unknown) => unknown,
): string | undefined {
  const current = ring.current;
  if (!current) return undefined;
  const parsed = parse(stored);
  const keyId = sealedKeyId(parsed);
  if (keyId === current.id) return undefined;
  const json = keyId === undefined ? JSON.stringify(parsed) : openPii(ring, parsed as string);
  return JSON.stringify(sealPii(ring, json));
}
