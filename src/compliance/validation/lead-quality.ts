// Lead validation beyond syntax (docs/privacy.md#lead-validation), from maintained datasets rather than hand-typed
// tables: the ZIP's state (zipcodes), the phone line (Google's libphonenumber: a real US number, not toll-free or
// premium), the e-mail domain (mailchecker's list of disposable providers). A hard check refuses the lead; a soft one
// lowers its quality score (100 = nothing found). Pure: no I/O, so it runs before any buyer is pinged.
import { createRequire } from "node:module";
import type { LeadValues } from "../../domain/vertical.ts";

const require = createRequire(import.meta.url);
const zipcodes = require("zipcodes") as { lookup(zip: string): { state: string } | undefined };
const { PhoneNumberUtil, PhoneNumberType } = require("google-libphonenumber") as {
  PhoneNumberUtil: { getInstance(): PhoneUtil };
  PhoneNumberType: Record<string, number>;
};
const MailChecker = require("mailchecker") as { isValid(email: string): boolean };

interface PhoneUtil {
  parse(number: string, region: string): unknown;
  isValidNumberForRegion(number: unknown, region: string): boolean;
  getNumberType(number: unknown): number;
}
const phoneUtil = PhoneNumberUtil.getInstance();

/** Lines no consumer answers a lead on: the caller pays nothing (toll-free) or the exchange's buyer pays extra. */
const NOT_A_CONSUMER_LINE = new Set([
  PhoneNumberType.TOLL_FREE,
  PhoneNumberType.PREMIUM_RATE,
  PhoneNumberType.SHARED_COST,
]);

/** What one check found. */
export interface QualityIssue {
  check:
    | "zip_state"
    | "zip_unknown"
    | "phone_invalid"
    | "phone_not_consumer"
    | "phone_fictional"
    | "email_disposable";
  /** A hard issue refuses the lead; a soft one costs `penalty` points of the score. */
  hard: boolean;
  penalty: number;
  field: string;
  message: string;
}

export interface LeadQuality {
  /** 0–100: 100 less the soft issues' penalties. */
  score: number;
  issues: QualityIssue[];
}

/** Assesses the fields a lead has (a ping's non-PII ones, or a post's all): checks whose fields are absent are skipped. */
export function assessLead(lead: LeadValues): LeadQuality {
  const issues = [...zipIssues(lead), ...phoneIssues(lead), ...emailIssues(lead)];
  const score = Math.max(0, 100 - issues.reduce((sum, issue) => sum + (issue.hard ? 0 : issue.penalty), 0));
  return { score, issues };
}

function zipIssues(lead: LeadValues): QualityIssue[] {
  if (typeof lead.zip !== "string") return [];
  const place = zipcodes.lookup(lead.zip.slice(0, 5));
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
  if (NOT_A_CONSUMER_LINE.has(phoneUtil.getNumberType(parsed))) {
    return [
      hard("phone_not_consumer", "lead.phone", "is a toll-free or premium-rate number, not a consumer's"),
    ];
  }
  return [];
}

function emailIssues(lead: LeadValues): QualityIssue[] {
  if (typeof lead.email !== "string") return [];
  return MailChecker.isValid(lead.email)
    ? []
    : [soft("email_disposable", 30, "lead.email", "is at a disposable (throwaway) e-mail provider")];
}

function hard(check: QualityIssue["check"], field: string, message: string): QualityIssue {
  return { check, hard: true, penalty: 0, field, message };
}

function soft(check: QualityIssue["check"], penalty: number, field: string, message: string): QualityIssue {
  return { check, hard: false, penalty, field, message };
}
