// Signed webhooks: each delivery carries `Gavel-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
// `t + "." + body` under the campaign's secret. A receiver recomputes it over the raw body it received, compares in
// constant time, and refuses a timestamp outside its tolerance, so a captured request cannot be replayed later.
// verifyWebhookSignature is the reference implementation of the recipe in docs/api.md.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "gavel-signature";
/** The outbox item's id: the same on every retry of one delivery, so a receiver can drop a repeat. */
export const DELIVERY_HEADER = "gavel-delivery";
/** How far a signature's timestamp may be from the receiver's clock (default five minutes). */
export const DEFAULT_TOLERANCE_S = 300;

/** The header value for a body sent at `timestampS` (unix seconds). */
export function signWebhook(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${hmacHex(secret, timestampS, body)}`;
}

export type SignatureCheck =
  | { ok: true; timestampS: number }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "mismatch" };

/** Checks a signature header against the raw body, the receiver's clock and the shared secret. */
export function verifyWebhookSignature(input: {
  secret: string;
  header: string | undefined;
  body: string;
  nowS?: number;
  toleranceS?: number;
}): SignatureCheck {
  if (!input.header) return { ok: false, reason: "missing" };
  let timestampS: number | undefined;
  const signatures: string[] = [];
  for (const part of input.header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d{1,12}$/.test(value)) timestampS = Number(value);
    // Several v1 values may come while a secret is rotated; any one matching is enough.
    if (key === "v1" && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestampS === undefined || signatures.length === 0) return { ok: false, reason: "malformed" };
  const nowS = input.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowS - timestampS) > (input.toleranceS ?? DEFAULT_TOLERANCE_S))
    return { ok: false, reason: "expired" };
  const expected = Buffer.from(hmacHex(input.secret, timestampS, input.body), "hex");
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, "hex"), expected));
  return matches ? { ok: true, timestampS } : { ok: false, reason: "mismatch" };
}

function hmacHex(secret: string, timestampS: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestampS}.${body}`).digest("hex");
}
