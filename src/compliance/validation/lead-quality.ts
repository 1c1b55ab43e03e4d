// Lead validation beyond syntax (docs/privacy.md#lead-validation), from maintained datasets rather than hand-typed
// tables: the ZIP's state (zipcodes), the phone line (Google's libphonenumber: a real US number, not toll-free or
// premium) and its area code's state (libphonenumber's geocoding data), the e-mail domain (mailchecker's list of
// disposable providers), and the form's timing. A hard check refuses the lead; a soft one lowers its quality score
// (100 = nothing found). Pure: no I/O, so it runs before any buyer is pinged (velocity and MX, which need state or the
// network, are in lead-validator.ts).
import type { LeadQuality, QualityIssue, RefusableCheck } from "../../domain/lead-quality.ts";
import type { LeadValues, Vertical } from "../../domain/vertical.ts";
import { statesOfAreaCode } from "./area-code-states.ts";
import { libphonenumber, mailchecker, zipcodes } from "./validation-datasets.ts";

export type { LeadQuality, QualityIssue } from "../../domain/lead-quality.ts";

let notAConsumerLine: ReadonlySet<number> | undefined;
/** Lines no consumer answers a lead on: the caller pays nothing (toll-free) or the exchange's buyer pays extra. */
function notAConsumerLines(): ReadonlySet<number> {
  const { types } = libphonenumber();
  notAConsumerLine ??= new Set([types.TOLL_FREE!, types.PREMIUM_RATE!, types.SHARED_COST!]);
  return notAConsumerLine;
}

/** What a vertical's validation checks (config-schema.ts `validation`). */
export type ValidationRules = NonNullable<Vertical["validation"]>;

/** When the consumer started and submitted the form (epoch ms), when the seller said, and the time of the decision. */
export interface FormTiming {
  now: number;
  formStartedAt?: number | undefined;
  formSubmittedAt?: number | undefined;
}

/**
 * Assesses the fields a lead has (a ping's non-PII ones, or a post's all): checks whose fields are absent are skipped.
 * With `rules` and `timing`, the form's timing too.
 */
export function assessLead(lead: LeadValues, rules: ValidationRules = {}, timing?: FormTiming): LeadQuality {
  const issues = [
    ...zipIssues(lead),
    ...phoneIssues(lead),
    ...emailIssues(lead),
    ...(timing ? timingIssues(rules, timing) : []),
  ];
  return scored(issues);
}

/** The score of a list of issues: 100 less the soft ones' penalties, never below 0. */
export function scored(issues: QualityIssue[]): LeadQuality {
  const score = Math.max(0, 100 - issues.reduce((sum, issue) => sum + (issue.hard ? 0 : issue.penalty), 0));
  return { score, issues };
}

/** A soft issue, or a hard one when the vertical lists the check in `validation.refuse`. */
export function chosenKind(
  rules: ValidationRules,
  check: RefusableCheck,
  penalty: number,
  field: string,
  message: string,
): QualityIssue {
  return rules.refuse?.includes(check) ? hard(check, field, message) : soft(check, penalty, field, message);
}

function timingIssues(rules: ValidationRules, timing: FormTiming): QualityIssue[] {
  const issues: QualityIssue[] = [];
  const { formStartedAt, formSubmittedAt, now } = timing;
  const minimum = rules.min_form_seconds;
  if (minimum !== undefined && formStartedAt !== undefined && formSubmittedAt !== undefined) {
    const seconds = (formSubmittedAt - formStartedAt) / 1000;
    if (seconds < minimum)
      issues.push(
        chosenKind(
          rules,
          "form_too_fast",
          40,
          "form_started_at",
          `the form was completed in ${Math.max(0, Math.round(seconds))} s, under ${minimum} s (a bot or a replay)`,
        ),
      );
  }
  const maxAge = rules.max_lead_age_seconds;
  if (maxAge !== undefined && formSubmittedAt !== undefined) {
    const age = (now - formSubmittedAt) / 1000;
    if (age > maxAge)
      issues.push(
        chosenKind(
          rules,
          "lead_too_old",
          40,
          "form_submitted_at",
          `the lead is ${Math.round(age)} s old, over ${maxAge} s`,
        ),
      );
  }
  return issues;
}

function zipIssues(lead: LeadValues): QualityIssue[] {
  if (typeof lead.zip !== "string") return [];
  const place = zipcodes().lookup(lead.zip.slice(0, 5));
  if (!place) {
    return [soft("zip_unknown", 15, "lead.zip", `ZIP ${lead.zip} is not a known US ZIP code`)];
  }
  if (typeof lead.state === "string" && place.state !== lead.state) {
    return [hard("zip_state", "lead.zip", `ZIP ${lead.zip} is in ${place.state}, not ${lead.state}`)];
  }
  return [];
}

function phoneIssues(lead: LeadValues): QualityIssue[] {
  if (typeof lead.phone !== "string") return [];
  const digits = lead.phone.replace(/\D/g, "").slice(-10);
  // NANP reserves 555-0100 to 555-0199 in every area code for fiction (film, examples): never a consumer.
  if (/^\d{3}55501\d\d$/.test(digits)) {
    return [hard("phone_fictional", "lead.phone", "555-01xx numbers are reserved for fiction")];
  }
  const phoneUtil = libphonenumber().util;
  let parsed: unknown;
  try {
    parsed = phoneUtil.parse(digits, "US");
  } catch {
    return [hard("phone_invalid", "lead.phone", "is not a US phone number")];
  }
  if (!phoneUtil.isValidNumberForRegion(parsed, "US")) {
    return [
      hard("phone_invalid", "lead.phone", "is not an assigned US phone number (area code or exchange)"),
    ];
  }
  if (notAConsumerLines().has(phoneUtil.getNumberType(parsed))) {
    return [
      hard("phone_not_consumer", "lead.phone", "is a toll-free or premium-rate number, not a consumer's"),
    ];
  }
  return areaCodeIssues(digits.slice(0, 3), lead.state);
}

/**
 * Soft: a mobile number keeps its area code when its owner moves, so another state's area code is weak evidence. The
 * message names the states, not the number.
 */
function areaCodeIssues(areaCode: string, state: unknown): QualityIssue[] {
  if (typeof state !== "string") return [];
  const states = statesOfAreaCode(areaCode);
  if (!states || states.has(state)) return [];
  return [
    soft(
      "phone_area_code_state",
      20,
      "lead.phone",
      `has an area code of ${[...states].join("/")}, not ${state}`,
    ),
  ];
}

function emailIssues(lead: LeadValues): QualityIssue[] {
  if (typeof lead.email !== "string") return [];
  return mailchecker().isValid(lead.email)
    ? []
    : [soft("email_disposable", 30, "lead.email", "is at a disposable (throwaway) e-mail provider")];
}

function hard(check: QualityIssue["check"], field: string, message: string): QualityIssue {
  return { check, hard: true, penalty: 0, field, message };
}

export function soft(
  check: QualityIssue["check"],
  penalty: number,
  field: string,
  message: string,
): QualityIssue {
  return { check, hard: false, penalty, field, message };
}
