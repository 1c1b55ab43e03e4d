// Plausible values for a vertical's fields, by type: the lead a console test ping sends and the examples a posting
// spec shows. Pure.
import type { FieldDefinition } from "./fields.ts";
import type { Vertical } from "./vertical.ts";

/**
 * A value for every field a phase carries: the non-PII fields for a ping (PII never rides on one); for a post, those
 * and the required PII fields.
 */
export function sampleLead(vertical: Vertical, phase: "ping" | "post" = "ping"): Record<string, unknown> {
  return Object.fromEntries(
    vertical.fields
      .filter((field) => !field.pii || (phase === "post" && field.required))
      .map((field) => [field.name, sampleValue(field)]),
  );
}

export function sampleValue(field: FieldDefinition): unknown {
  switch (field.type) {
    case "boolean":
      return true;
    case "integer":
    case "number": {
      const low = field.min ?? 0;
      const high = field.max ?? Math.max(low, 10);
      return Math.round((low + high) / 2);
    }
    case "enum":
      return field.values?.[0] ?? "";
    case "zip":
      return "90210";
    case "state":
      return "CA";
    case "phone":
      return "2125550123";
    case "email":
      return "test@example.com";
    case "url":
      return "https://example.com/";
    case "date":
      return new Date().toISOString().slice(0, 10);
    default:
      return "test";
  }
}
