// What lead validation found (src/compliance/validation/): a quality score and the issues behind it. Kept with the
// ping as the first step of its decision trace; never the consumer's details.

/** The checks whose kind the vertical chooses (`validation.refuse`); every other check's kind is fixed. */
export const REFUSABLE_CHECKS = ["form_too_fast", "lead_too_old", "velocity"] as const;
export type RefusableCheck = (typeof REFUSABLE_CHECKS)[number];

/** What one check found. */
export interface QualityIssue {
  check:
    | "zip_state"
    | "zip_unknown"
    | "phone_invalid"
    | "phone_not_consumer"
    | "phone_fictional"
    | "phone_area_code_state"
    | "email_disposable"
    | "email_no_mx"
    | "form_too_fast"
    | "lead_too_old"
    | "velocity";
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
