// What a campaign requires as proof of consent, and the check the post runs before delivering to it.
import type { ConsentCheck, ConsentProvider, ConsentVerifier } from "./consent-verifier.ts";

/** Per campaign: which proof of consent a lead must carry before it is posted to the campaign's buyer. */
export type ConsentRequirement = "none" | "trustedform" | "jornaya" | "either";

export const CONSENT_REQUIREMENTS: readonly ConsentRequirement[] = [
  "none",
  "trustedform",
  "jornaya",
  "either",
];

export type ConsentFailureReason =
  | "consent_missing"
  | "consent_expired"
  | "consent_not_found"
  | "consent_no_match"
  | "consent_invalid"
  | "consent_unverifiable";

/** The consent block of a post, as the seller API receives it. */
export interface ConsentTokens {
  trustedform_cert_url?: string;
  jornaya_leadid?: string;
}

export interface LeadContacts {
  email?: string;
  /** Ten digits. */
  phone?: string;
  /** Our lead id. */
  referenceId: string;
  /** The lead's source's name (TrustedForm's retain vendor). */
  vendor?: string;
  /** The campaign's buyer, for TrustedForm Verify's one-to-one check (a different question per buyer). */
  advertiserName?: string;
}

export interface ConsentVerifiers {
  trustedform?: ConsentVerifier;
  jornaya?: ConsentVerifier;
}

export interface ConsentDecision {
  ok: boolean;
  reason?: ConsentFailureReason;
  /** Every check made (or answered from the memo), in provider order: store the verified ones' evidence. */
  checks: ConsentCheck[];
}

/**
 * The checks of one post, shared by every campaign the lead is tried on: a lead that falls back through several
 * campaigns is verified once per (provider, token), and two campaigns asking at once share the same call.
 * Outcomes are kept whatever they are, errors included: retrying a provider that just timed out would spend the
 * post's deadline again. Create one per post; drop it with the post.
 */
export class ConsentMemo {
  readonly #checks = new Map<string, Promise<ConsentCheck>>();

  verifyOnce(
    provider: ConsentProvider,
    token: string,
    run: () => Promise<ConsentCheck>,
  ): Promise<ConsentCheck> {
    const key = `${provider}\u0000${token}`;
    let check = this.#checks.get(key);
    if (!check) {
      check = run();
      this.#checks.set(key, check);
    }
    return check;
  }

  /** How many distinct provider calls this post has asked for. */
  get size(): number {
    return this.#checks.size;
  }
}

export function createConsentMemo(): ConsentMemo {
  return new ConsentMemo();
}

/**
 * Whether the lead carries the consent the campaign requires. "either" passes when one provider verifies; when
 * both tokens are present they are verified in parallel. Never throws for a provider's failure.
 */
export async function checkConsent(
  requirement: ConsentRequirement,
  consent: ConsentTokens | undefined,
  contacts: LeadContacts,
  verifiers: ConsentVerifiers,
  options: { timeoutMs: number; memo?: ConsentMemo },
): Promise<ConsentDecision> {
  if (requirement === "none") return { ok: true, checks: [] };
  const wanted: ConsentProvider[] = requirement === "either" ? ["trustedform", "jornaya"] : [requirement];
  const present = wanted.filter((provider) => tokenOf(provider, consent) !== undefined);
  if (present.length === 0) return { ok: false, reason: "consent_missing", checks: [] };

  const memo = options.memo ?? new ConsentMemo();
  const checks = await Promise.all(
    present.map((provider) => {
      const token = tokenOf(provider, consent)!;
      // One call per provider and token, except that a one-to-one check asks about one buyer at a time.
      const key =
        provider === "trustedform" && contacts.advertiserName
          ? `${token}\u0000${contacts.advertiserName}`
          : token;
      return memo.verifyOnce(provider, key, () =>
        runVerifier(provider, verifiers[provider], token, contacts, options.timeoutMs),
      );
    }),
  );
  if (checks.some((check) => check.outcome === "verified")) return { ok: true, checks };
  // A definite answer from one provider says more than another's silence.
  const definite = checks.find((check) => check.outcome !== "error");
  return { ok: false, reason: definite ? FAILURE_REASON[definite.outcome] : "consent_unverifiable", checks };
}

const FAILURE_REASON: Record<ConsentCheck["outcome"], ConsentFailureReason> = {
  verified: "consent_unverifiable", // never used: a verified check passes
  expired: "consent_expired",
  not_found: "consent_not_found",
  no_match: "consent_no_match",
  invalid: "consent_invalid",
  error: "consent_unverifiable",
};

function tokenOf(provider: ConsentProvider, consent: ConsentTokens | undefined): string | undefined {
  const token = provider === "trustedform" ? consent?.trustedform_cert_url : consent?.jornaya_leadid;
  return token?.trim() ? token.trim() : undefined;
}

async function runVerifier(
  provider: ConsentProvider,
  verifier: ConsentVerifier | undefined,
  token: string,
  contacts: LeadContacts,
  timeoutMs: number,
): Promise<ConsentCheck> {
  if (!verifier)
    return { provider, outcome: "error", detail: `no ${provider} verifier is configured`, latencyMs: 0 };
  const input = provider === "trustedform" ? { ...contacts, certUrl: token } : { ...contacts, leadId: token };
  try {
    return await verifier.verify(input, { timeoutMs });
  } catch (error) {
    // A verifier bug must not fail the post with a 500: the lead is simply unverifiable for this campaign.
    return {
      provider,
      outcome: "error",
      detail: error instanceof Error ? error.message : "verifier failed",
      latencyMs: 0,
    };
  }
}
