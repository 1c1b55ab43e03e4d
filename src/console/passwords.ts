// Console passwords: scrypt (node:crypto) with a random salt per password, compared in constant time. The stored form
// names its parameters, so they can be raised later without breaking the hashes already stored.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const N = 16_384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$<salt base64url>$<key base64url>`: what the store and the config file's `users` hold. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether `password` is the one `stored` was made from. A malformed hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const params = [Number(n), Number(r), Number(p)] as const;
  if (!params.every((value) => Number.isInteger(value) && value > 0) || expected.length !== KEY_LENGTH)
    return false;
  const given = await derive(password, Buffer.from(salt, "base64url"), ...params);
  return timingSafeEqual(given, expected);
}

/** Whether a string has the shape of a stored hash (for validating the config file's `users`). */
export function isPasswordHash(value: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/.test(value);
}
