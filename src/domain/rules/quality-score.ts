// The lead's quality score as rules read it, in a module of its own so the console can offer it without bundling the
// rule checker's schemas.
import type { FieldDefinition } from "../fields.ts";

/** The name rules give the lead's quality score: not a field of the lead, but read like one. */
export const QUALITY_SCORE = "quality_score";

/** How rules check and the console offers `quality_score`: an integer 0-100, never PII. */
export const QUALITY_SCORE_FIELD: FieldDefinition = {
  name: QUALITY_SCORE,
  type: "integer",
  pii: false,
  required: false,
  min: 0,
  max: 100,
};
