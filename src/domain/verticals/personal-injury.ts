import type { Vertical } from "../vertical.ts";

/** Motor-vehicle personal injury (legal), modelled on what PI law firms ask for on a ping. */
export const personalInjury: Vertical = {
  id: "personal_injury",
  name: "Personal injury (motor vehicle accident)",
  consent_required: true,
  fields: [
    // Ping: what a law firm needs to price the case, with no way to contact the consumer.
    {
      name: "injury_type",
      type: "enum",
      pii: false,
      required: true,
      values: [
        "whiplash",
        "fracture",
        "head_injury",
        "back_injury",
        "soft_tissue",
        "burn",
        "laceration",
        "other",
      ],
    },
    { name: "injury_severity", type: "integer", pii: false, required: true, min: 1, max: 10 },
    { name: "zip", type: "zip", pii: false, required: true },
    { name: "city", type: "string", pii: false, required: false, max_length: 100 },
    { name: "state", type: "state", pii: false, required: true },
    {
      name: "crash_type",
      type: "enum",
      pii: false,
      required: true,
      values: ["rear_end", "t_bone", "head_on", "sideswipe", "rollover", "pedestrian", "motorcycle", "other"],
    },
    { name: "liability", type: "enum", pii: false, required: true, values: ["clear", "unclear", "disputed"] },
    {
      name: "property_damage",
      type: "enum",
      pii: false,
      required: false,
      values: ["none", "minor", "moderate", "severe", "total_loss"],
    },
    { name: "insured", type: "boolean", pii: false, required: true },
    { name: "other_party_insured", type: "boolean", pii: false, required: false },
    { name: "days_since_accident", type: "integer", pii: false, required: true, min: 0, max: 3650 },
    { name: "consent_verified", type: "boolean", pii: false, required: true },
    // Post: the consumer and the case. Free text is marked PII: a narrative can name people and places.
    { name: "first_name", type: "string", pii: true, required: true, max_length: 100 },
    { name: "last_name", type: "string", pii: true, required: true, max_length: 100 },
    { name: "phone", type: "phone", pii: true, required: true },
    { name: "email", type: "email", pii: true, required: true },
    { name: "accident_narrative", type: "string", pii: true, required: false, max_length: 5000 },
    { name: "injury_description", type: "string", pii: true, required: false, max_length: 2000 },
    { name: "property_damage_details", type: "string", pii: true, required: false, max_length: 2000 },
    { name: "insurance_company", type: "string", pii: true, required: false, max_length: 200 },
    { name: "treating_physician", type: "string", pii: true, required: false, max_length: 200 },
  ],
};
