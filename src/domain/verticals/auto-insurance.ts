import type { Vertical } from "../vertical.ts";

/** Auto insurance quote requests, as insurance agencies and carriers buy them. */
export const autoInsurance: Vertical = {
  id: "auto_insurance",
  name: "Auto insurance",
  consent_required: true,
  fields: [
    { name: "zip", type: "zip", pii: false, required: true },
    { name: "state", type: "state", pii: false, required: true },
    {
      name: "coverage_type",
      type: "enum",
      pii: false,
      required: true,
      values: ["liability_only", "state_minimum", "standard", "full_coverage", "premium"],
    },
    {
      name: "age_bracket",
      type: "enum",
      pii: false,
      required: true,
      values: ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"],
    },
    { name: "currently_insured", type: "boolean", pii: false, required: true },
    { name: "vehicle_year", type: "integer", pii: false, required: true, min: 1950, max: 2030 },
    { name: "vehicle_make", type: "string", pii: false, required: true, max_length: 50 },
    { name: "first_name", type: "string", pii: true, required: true, max_length: 100 },
    { name: "last_name", type: "string", pii: true, required: true, max_length: 100 },
    { name: "phone", type: "phone", pii: true, required: true },
    { name: "email", type: "email", pii: true, required: true },
    { name: "street_address", type: "string", pii: true, required: true, max_length: 200 },
    { name: "date_of_birth", type: "date", pii: true, required: true },
  ],
};
