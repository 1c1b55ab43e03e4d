// The buyer's own duplicate check across exchanges: the sha256 of each bought consumer's email and phone (normalised
// the way the exchange and its sellers hash them), with when it was bought. In memory, seeded from the store at start,
// so a ping that carries hashes is checked without a database round trip.
import type { ContactHashes } from "../compliance/suppression/suppression-hash.ts";

export interface BoughtContact {
  emailSha256?: string;
  phoneSha256?: string;
}

/** A consumer's hashes as the store keeps them, or as a ping carries them. */
type Contact = BoughtContact | ContactHashes;

export class ConsumerIndex {
  readonly #boughtAt = new Map<string, number>();
  readonly #windowMs: number;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(contact: Contact, boughtAt: number): void {
    for (const hash of hashesOf(contact)) this.#boughtAt.set(hash, boughtAt);
  }

  /** When a consumer with any of these hashes was bought inside the window, or undefined. */
  find(contact: Contact, now: number): number | undefined {
    for (const hash of hashesOf(contact)) {
      const boughtAt = this.#boughtAt.get(hash);
      if (boughtAt === undefined) continue;
      if (now - boughtAt < this.#windowMs) return boughtAt;
      this.#boughtAt.delete(hash);
    }
    return undefined;
  }
}

function hashesOf(contact: Contact): string[] {
  const email = "emailSha256" in contact ? contact.emailSha256 : (contact as ContactHashes).email_sha256;
  const phone = "phoneSha256" in contact ? contact.phoneSha256 : (contact as ContactHashes).phone_sha256;
  // Kinds kept apart by a prefix: an email hash can never match a phone hash by accident.
  return [...(email ? [`e:${email.toLowerCase()}`] : []), ...(phone ? [`p:${phone.toLowerCase()}`] : [])];
}
