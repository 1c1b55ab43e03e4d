// One interface over the consent providers (TrustedForm, Jornaya), so the post pipeline checks consent without
// knowing which service proves it. A verifier never throws for a provider's answer or a network failure: every
// result, including "the service is down", is a ConsentCheck the decision trace can show.

export type ConsentProvider = "trustedform" | "jornaya";

/**
 * - verified: the provider vouches for the token and it matches the lead
 * - expired: the token exists but is too old to retain or audit
 * - not_found: the provider does not know the token
 * - no_match: the token exists but the lead's email/phone are not the consumer it recorded
 * - invalid: the token is malformed (no call made) or the provider refuses it for good (not authentic, sandbox…)
 * - error: no usable answer (timeout, unreachable, 5xx, rejected credentials, garbage): consent is unverifiable
 */
export type ConsentOutcome = "verified" | "expired" | "not_found" | "no_match" | "invalid" | "error";

export interface ConsentCheck {
  provider: ConsentProvider;
  outcome: ConsentOutcome;
  /** A short reason a person can read: the provider's own reason where it gave one. */
  detail?: string;
  /**
   * What to store with the lead as proof: token id, timestamps, masked page URL, the provider's view of the form.
   * Never the lead's own contact details.
   */
  evidence?: Record<string, unknown>;
  /** Time spent on this check, call included (0 when no call was made). */
  latencyMs: number;
}

export interface ConsentVerifyInput {
  /** TrustedForm certificate URL, as the source sent it. */
  certUrl?: string;
  /** Jornaya LeadiD token, as the source sent it. */
  leadId?: string;
  email?: string;
  /** Ten digits, no country code. */
  phone?: string;
  /** Our lead id: sent to the provider as the retain reference, so its records point back to ours. */
  referenceId: string;
  /** The company that supplied the lead (its source's name): TrustedForm's retain `vendor`. */
  vendor?: string;
  /** TrustedForm Verify: the buyer's legal name, whose one-to-one consent the certificate must show. */
  advertiserName?: string;
}

export interface ConsentVerifier {
  readonly provider: ConsentProvider;
  /** Checks the provider's token for this lead within timeoutMs (connect, send, answer and body). */
  verify(input: ConsentVerifyInput, options: { timeoutMs: number }): Promise<ConsentCheck>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}
