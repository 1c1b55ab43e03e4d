// Realistic random leads for simulated sources. Driven by the vertical's field definitions, so it also fills
// verticals an operator defines; well-known field names get plausible values (a city that matches its state and
// ZIP, a date of birth that matches the age bracket). Contact details are fictional by construction: 555-01xx
// phone numbers and example.com addresses, so a demo never carries a real person's data.
import { coerceFieldValue, type FieldDefinition } from "../domain/fields.ts";
import { buildPingPayload, type LeadValues, type Vertical } from "../domain/vertical.ts";
import { BUILT_IN_VERTICALS } from "../domain/verticals/index.ts";
import { pick, pickWeighted, type Random, randomHex, randomInt } from "./random.ts";

export interface GeneratedLead {
  vertical: string;
  /** Every field, PII included: what a source posts. */
  lead: LeadValues;
  consent: { trustedform_cert_url: string };
}

interface Location {
  city: string;
  state: string;
  zip: string;
  areaCode: string;
}

const LOCATIONS: readonly Location[] = [
  { city: "Los Angeles", state: "CA", zip: "90012", areaCode: "213" },
  { city: "San Diego", state: "CA", zip: "92101", areaCode: "619" },
  { city: "Houston", state: "TX", zip: "77002", areaCode: "713" },
  { city: "Dallas", state: "TX", zip: "75201", areaCode: "214" },
  { city: "Miami", state: "FL", zip: "33130", areaCode: "305" },
  { city: "Orlando", state: "FL", zip: "32801", areaCode: "407" },
  { city: "New York", state: "NY", zip: "10001", areaCode: "212" },
  { city: "Buffalo", state: "NY", zip: "14202", areaCode: "716" },
  { city: "Chicago", state: "IL", zip: "60601", areaCode: "312" },
  { city: "Philadelphia", state: "PA", zip: "19103", areaCode: "215" },
  { city: "Columbus", state: "OH", zip: "43215", areaCode: "614" },
  { city: "Atlanta", state: "GA", zip: "30303", areaCode: "404" },
  { city: "Charlotte", state: "NC", zip: "28202", areaCode: "704" },
  { city: "Detroit", state: "MI", zip: "48226", areaCode: "313" },
  { city: "Phoenix", state: "AZ", zip: "85004", areaCode: "602" },
  { city: "Seattle", state: "WA", zip: "98101", areaCode: "206" },
  { city: "Newark", state: "NJ", zip: "07102", areaCode: "973" },
  { city: "Denver", state: "CO", zip: "80202", areaCode: "303" },
  { city: "Las Vegas", state: "NV", zip: "89101", areaCode: "702" },
];

const FIRST_NAMES = [
  "James",
  "Maria",
  "Robert",
  "Linda",
  "Michael",
  "Aisha",
  "David",
  "Sofia",
  "Kevin",
  "Mei",
  "Luis",
  "Grace",
];
const LAST_NAMES = [
  "Smith",
  "Garcia",
  "Johnson",
  "Nguyen",
  "Williams",
  "Patel",
  "Brown",
  "Kim",
  "Jones",
  "Lopez",
  "Davis",
];
const STREETS = [
  "Main St",
  "Oak Ave",
  "Maple Dr",
  "Cedar Ln",
  "Park Blvd",
  "Elm St",
  "Washington Ave",
  "Lakeview Rd",
];
const VEHICLE_MAKES = [
  "Toyota",
  "Honda",
  "Ford",
  "Chevrolet",
  "Nissan",
  "Hyundai",
  "Kia",
  "Subaru",
  "Tesla",
  "BMW",
];
const INSURERS = ["State Farm", "GEICO", "Progressive", "Allstate", "USAA", "Liberty Mutual", "Farmers"];
const NARRATIVES = [
  "I was stopped at a red light when another car hit me from behind.",
  "A driver ran a stop sign and struck the side of my car in the intersection.",
  "The other vehicle changed lanes without looking and sideswiped me on the highway.",
  "I was crossing at the crosswalk when a turning car hit me.",
];

/** Lead field values a realistic source sends, by field name; other fields are filled from their type. */
type FieldFiller = (context: FillContext) => unknown;
interface FillContext {
  random: Random;
  field: FieldDefinition;
  location: Location;
  person: { first: string; last: string };
  lead: LeadValues;
}

const FILLERS: Record<string, FieldFiller> = {
  first_name: ({ person }) => person.first,
  last_name: ({ person }) => person.last,
  // 555-0100..0199 are reserved for fiction in every NANP area code.
  phone: ({ random, location }) =>
    `${location.areaCode}55501${String(randomInt(random, 0, 99)).padStart(2, "0")}`,
  email: ({ random, person }) =>
    `${person.first}.${person.last}${randomInt(random, 1, 999)}@example.com`.toLowerCase(),
  street_address: ({ random }) => `${randomInt(random, 100, 9999)} ${pick(random, STREETS)}`,
  city: ({ location }) => location.city,
  state: ({ location }) => location.state,
  zip: ({ location }) => location.zip,
  date_of_birth: ({ random, lead }) => birthDateFor(random, lead["age_bracket"]),
  // Most injuries are moderate; severe ones are rarer and worth more to a law firm.
  injury_severity: ({ random }) => pickWeighted(random, SEVERITY_WEIGHTS),
  // Most people look for a lawyer within weeks of the accident.
  days_since_accident: ({ random, field }) => clamp(Math.floor(-Math.log(1 - random()) * 30), field),
  consent_verified: ({ random }) => random() < 0.97,
  insured: ({ random }) => random() < 0.85,
  currently_insured: ({ random }) => random() < 0.8,
  other_party_insured: ({ random }) => random() < 0.75,
  vehicle_year: ({ random, field }) => clamp(randomInt(random, 2004, 2025), field),
  vehicle_make: ({ random }) => pick(random, VEHICLE_MAKES),
  insurance_company: ({ random }) => pick(random, INSURERS),
  accident_narrative: ({ random }) => pick(random, NARRATIVES),
  injury_description: ({ lead }) =>
    `Diagnosed with ${String(lead["injury_type"] ?? "an injury").replaceAll("_", " ")}.`,
  property_damage_details: ({ lead }) =>
    `Vehicle damage assessed as ${String(lead["property_damage"] ?? "unknown")}.`,
  treating_physician: ({ random, person }) =>
    `Dr. ${pick(
      random,
      LAST_NAMES.filter((name) => name !== person.last),
    )}`,
};

const SEVERITY_WEIGHTS: readonly (readonly [number, number])[] = [
  [1, 6],
  [2, 10],
  [3, 14],
  [4, 16],
  [5, 15],
  [6, 12],
  [7, 10],
  [8, 8],
  [9, 5],
  [10, 4],
];

/** Optional fields are left out this often, as real forms leave them blank. */
const OPTIONAL_FIELD_SKIP_RATE = 0.2;

/** Generates one complete lead for a vertical (a built-in one by id, or any vertical definition). */
export function generateLead(vertical: string | Vertical, random: Random = Math.random): GeneratedLead {
  const definition = typeof vertical === "string" ? builtInVertical(vertical) : vertical;
  const context: FillContext = {
    random,
    field: definition.fields[0]!,
    location: pick(random, LOCATIONS),
    person: { first: pick(random, FIRST_NAMES), last: pick(random, LAST_NAMES) },
    lead: {},
  };
  for (const field of orderedForFilling(definition.fields)) {
    if (!field.required && random() < OPTIONAL_FIELD_SKIP_RATE) continue;
    context.field = field;
    context.lead[field.name] = fillField(context);
  }
  const lead: LeadValues = {};
  for (const field of definition.fields) {
    if (context.lead[field.name] !== undefined) lead[field.name] = context.lead[field.name];
  }
  return {
    vertical: definition.id,
    lead,
    consent: { trustedform_cert_url: `https://cert.trustedform.com/${randomHex(random, 40)}` },
  };
}

/** The part of a lead a source may send on a ping: the vertical's non-PII fields (an allowlist, DESIGN rule 1). */
export function pingPart(vertical: string | Vertical, lead: LeadValues): LeadValues {
  return buildPingPayload(typeof vertical === "string" ? builtInVertical(vertical) : vertical, lead);
}

export function builtInVertical(id: string): Vertical {
  const vertical = BUILT_IN_VERTICALS.find((v) => v.id === id);
  if (!vertical)
    throw new Error(`no built-in vertical ${id}; known: ${BUILT_IN_VERTICALS.map((v) => v.id).join(", ")}`);
  return vertical;
}

/**
 * A well-known name gets its realistic value, as long as it fits the field's definition (an operator's vertical
 * may give a familiar name another type); anything else is filled from its type.
 */
function fillField(context: FillContext): unknown {
  const { field } = context;
  if (Object.hasOwn(FILLERS, field.name)) {
    const checked = coerceFieldValue(field, FILLERS[field.name]!(context));
    if (checked.ok) return checked.value;
  }
  return fillByType(context);
}

/** PII fields last: they follow what the non-PII fields decided (a date of birth within the age bracket). */
function orderedForFilling(fields: readonly FieldDefinition[]): FieldDefinition[] {
  return [...fields.filter((f) => !f.pii), ...fields.filter((f) => f.pii)];
}

function fillByType({ random, field, location }: FillContext): unknown {
  switch (field.type) {
    case "enum":
      return pick(random, field.values ?? [""]);
    case "integer":
      return randomInt(random, field.min ?? 0, field.max ?? 100);
    case "number":
      return Math.round(((field.min ?? 0) + random() * ((field.max ?? 100) - (field.min ?? 0))) * 100) / 100;
    case "boolean":
      return random() < 0.5;
    case "zip":
      return location.zip;
    case "state":
      return location.state;
    case "phone":
      return `${location.areaCode}5550100`;
    case "email":
      return `lead${randomInt(random, 1, 99999)}@example.com`;
    case "url":
      return `https://example.com/${randomHex(random, 8)}`;
    case "date":
      return isoDate(new Date(Date.now() - randomInt(random, 1, 3650) * DAY_MS));
    case "string":
      return `sample ${field.name.replace(/_/g, " ")}`.slice(0, field.max_length ?? 1000);
  }
}

const DAY_MS = 86_400_000;

/** A date of birth whose age falls in the bracket ("25-34", "65+"), or an adult age when there is no bracket. */
function birthDateFor(random: Random, bracket: unknown): string {
  const match = typeof bracket === "string" ? /^(\d+)(?:-(\d+)|\+)$/.exec(bracket) : null;
  const youngest = match ? Number(match[1]) : 21;
  const oldest = match?.[2] ? Number(match[2]) : youngest + 15;
  const age = randomInt(random, youngest, oldest);
  const born = new Date(Date.now() - (age * 365.25 + randomInt(random, 1, 360)) * DAY_MS);
  return isoDate(born);
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function clamp(value: number, field: FieldDefinition): number {
  return Math.min(field.max ?? value, Math.max(field.min ?? value, value));
}
