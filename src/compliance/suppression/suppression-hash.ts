// What a suppression list holds: sha256 hex of a normalised contact, never the contact itself. The same normalisation
// as lead validation (email lower-cased and trimmed, phone as 10 NANP digits) and as the hashes sellers send on a ping
// (DESIGN rule 1), so a hash from any of the three matches.
import { normalizeUsPhone } from "../../domain/fields.ts";
import type { SuppressionHash } from "../../store/store.ts";
import { sha256Hex } from "../sha256-hex.ts";

export type ContactKind = SuppressionHash["kind"];

/** The hashes of one consumer's contacts, in the shape sellers send as a ping's `contact_hash`. */
export interface ContactHashes {
  email_sha256?: string;
  phone_sha256?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The canonical form of an email or phone, or undefined when it is not one. */
export function normalizeContact(kind: ContactKind, value: string): string | undefined {
  if (kind === "phone") return normalizeUsPhone(value);
  const email = value.trim().toLowerCase();
  return EMAIL.test(email) ? email : undefined;
}

/** The suppression hash of a plain email or phone, or undefined when the value is not a valid one. */
export function hashContact(kind: ContactKind, value: string): SuppressionHash | undefined {
  const normalized = normalizeContact(kind, value);
  return normalized === undefined ? undefined : { kind, sha256: sha256Hex(normalized) };
}

/** A hash given ready-made (sha256 hex, any case), or undefined when it is not one. */
export function parseContactHash(kind: ContactKind, value: string): SuppressionHash | undefined {
  const sha256 = value.trim().toLowerCase();
  return SHA256_HEX.test(sha256) ? { kind, sha256 } : undefined;
}

/** The hashes of a full lead's email and phone (whichever it has). */
export function leadContactHashes(lead: Readonly<Record<string, unknown>>): ContactHashes {
  const email = typeof lead.email === "string" ? hashContact("email", lead.email) : undefined;
  const phone = typeof lead.phone === "string" ? hashContact("phone", lead.phone) : undefined;
  return {
    ...(email ? { email_sha256: email.sha256 } : {}),
    ...(phone ? { phone_sha256: phone.sha256 } : {}),
  };
}
