// A vertical's lead validation as the engine runs it, before any buyer is pinged: the pure checks of lead-quality.ts,
// then velocity by source (the same phone, e-mail or IP counted in the hot state, by hash, shared by every instance)
// and, when the vertical asks, the e-mail domain's MX record. A hard issue, or a score under the vertical's minimum,
// refuses the lead with GAVEL_LEAD_REFUSED naming the field.
import type { Logger } from "pino";
import type { LeadQuality, QualityIssue } from "../../domain/lead-quality.ts";
import type { LeadValues, Vertical } from "../../domain/vertical.ts";
import { GavelError } from "../../errors.ts";
import type { Throttle } from "../../state/counters/throttle.ts";
import { sha256Hex } from "../sha256-hex.ts";
import type { ContactHashes } from "../suppression/suppression-hash.ts";
import {
  assessLead,
  chosenKind,
  type FormTiming,
  scored,
  soft,
  type ValidationRules,
} from "./lead-quality.ts";
import type { MxCheck } from "./mx-check.ts";

/** What the engine knows of a lead beyond its fields. */
export interface LeadFacts {
  sourceId: string;
  /** The consumer's contact hashes (a ping's `contact_hash`, or a full lead's own). */
  contact: ContactHashes;
  /** The consumer's IP address (the lead context's), hashed before it is counted. */
  ipAddress?: string | undefined;
  timing: FormTiming;
  /**
   * Counts this lead for velocity: a ping and a direct post do; the post of a ping does not (its ping was counted).
   */
  countVelocity: boolean;
}

export interface LeadValidatorDeps {
  /** Counters in memory or Redis (the same throttles as pings per minute). */
  throttle: Throttle;
  /** MX lookups; without it `check_mx` checks nothing. */
  mx?: MxCheck;
  log: Logger;
}

export class LeadValidator {
  readonly #deps: LeadValidatorDeps;

  constructor(deps: LeadValidatorDeps) {
    this.#deps = deps;
  }

  /** The lead's quality, or undefined when its vertical does not validate. Throws GAVEL_LEAD_REFUSED to refuse it. */
  async check(vertical: Vertical, lead: LeadValues, facts: LeadFacts): Promise<LeadQuality | undefined> {
    const rules = vertical.validation;
    if (!rules) return undefined;
    const found = assessLead(lead, rules, facts.timing).issues;
    // A hard issue already refuses: nothing is counted for a lead that will not be auctioned.
    if (!found.some((issue) => issue.hard)) {
      if (rules.velocity && facts.countVelocity)
        found.push(...(await this.#velocity(vertical, rules, facts)));
      if (rules.check_mx && this.#deps.mx && typeof lead.email === "string")
        found.push(...(await this.#mx(lead.email)));
    }
    const quality = scored(found);
    refuseIfDue(vertical, quality);
    return quality;
  }

  async #velocity(vertical: Vertical, rules: ValidationRules, facts: LeadFacts): Promise<QualityIssue[]> {
    const velocity = rules.velocity!;
    const identities: [string, string][] = [];
    if (facts.contact.phone_sha256) identities.push(["phone", facts.contact.phone_sha256]);
    if (facts.contact.email_sha256) identities.push(["email", facts.contact.email_sha256]);
    if (facts.ipAddress) identities.push(["IP address", sha256Hex(facts.ipAddress)]);
    const windowMs = velocity.window_seconds * 1000;
    const now = Math.floor(facts.timing.now);
    const over: string[] = [];
    try {
      // Every identity's counter in one call: one script and one round trip on Redis.
      const admitted = await this.#deps.throttle.tryAcquireEach(
        identities.map(([kind, hash]) => ({
          key: `velocity:${vertical.id}:${facts.sourceId}:${kind}:${hash}`,
          limit: velocity.max,
          windowMs,
        })),
        now,
      );
      for (const [index, ok] of admitted.entries()) if (!ok) over.push(identities[index]![0]);
    } catch (error) {
      // The hot state is down: the lead is judged without velocity rather than refused for our fault.
      this.#deps.log.warn({ err: error, vertical: vertical.id }, "velocity check skipped: hot state failed");
      return [];
    }
    if (over.length === 0) return [];
    return [
      chosenKind(
        rules,
        "velocity",
        30,
        "lead",
        `the same ${over.join(", ")} came from this source more than ${velocity.max} times in ${velocity.window_seconds} s`,
      ),
    ];
  }

  async #mx(email: string): Promise<QualityIssue[]> {
    const domain = email
      .slice(email.lastIndexOf("@") + 1)
      .trim()
      .toLowerCase();
    if (!domain) return [];
    const answer = await this.#deps.mx!.domainReceivesMail(domain);
    return answer === false
      ? [soft("email_no_mx", 30, "lead.email", "is at a domain with no mail server (no MX or A record)")]
      : [];
  }
}

/** Refuses a lead with a hard issue, or whose score is under its vertical's minimum. */
function refuseIfDue(vertical: Vertical, quality: LeadQuality): void {
  const refusal = quality.issues.find((issue) => issue.hard);
  if (refusal)
    throw new GavelError("GAVEL_LEAD_REFUSED", `${refusal.field} ${refusal.message}`, refusal.field);
  const minimum = vertical.validation?.min_quality_score;
  if (minimum !== undefined && quality.score < minimum) {
    const why = quality.issues.map((issue) => `${issue.field} ${issue.message}`).join("; ");
    throw new GavelError(
      "GAVEL_LEAD_REFUSED",
      `quality score ${quality.score} is below ${vertical.id}'s minimum of ${minimum}: ${why}`,
      quality.issues[0]?.field ?? "lead",
    );
  }
}
