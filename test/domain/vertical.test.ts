import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FieldDefinition } from "../../src/domain/fields.ts";
import {
  buildPingPayload,
  type LeadValues,
  pingMismatches,
  type Vertical,
  validateLead,
} from "../../src/domain/vertical.ts";
import { autoInsurance } from "../../src/domain/verticals/auto-insurance.ts";
import { BUILT_IN_VERTICALS } from "../../src/domain/verticals/index.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";

const piPing: LeadValues = {
  injury_type: "whiplash",
  injury_severity: 6,
  zip: "10001",
  city: "New York",
  state: "ny",
  crash_type: "rear_end",
  liability: "clear",
  property_damage: "moderate",
  insured: true,
  other_party_insured: true,
  days_since_accident: 12,
  consent_verified: true,
};

const piPii: LeadValues = {
  first_name: "Jane",
  last_name: "Doe",
  phone: "(212) 555-0147",
  email: "Jane.Doe@Example.com",
  accident_narrative: "Stopped at a light when hit from behind.",
  injury_description: "Neck pain",
  property_damage_details: "Rear bumper",
  insurance_company: "Example Mutual",
  treating_physician: "Dr. Example",
};

const autoPing: LeadValues = {
  zip: "60601",
  state: "IL",
  coverage_type: "full_coverage",
  age_bracket: "35-44",
  currently_insured: true,
  vehicle_year: 2019,
  vehicle_make: "Toyota",
};

const autoPii: LeadValues = {
  first_name: "John",
  last_name: "Roe",
  phone: "+1 312-555-0199",
  email: "john@example.com",
  street_address: "1 Example St",
  date_of_birth: "1980-01-31",
};

const SAMPLES = [
  { vertical: personalInjury, ping: piPing, pii: piPii },
  { vertical: autoInsurance, ping: autoPing, pii: autoPii },
];

const names = (fields: FieldDefinition[]) => fields.map((f) => f.name);
const piiNames = (vertical: Vertical) => names(vertical.fields.filter((f) => f.pii));
const nonPiiNames = (vertical: Vertical) => names(vertical.fields.filter((f) => !f.pii));

function issueOf(result: ReturnType<typeof validateLead>): { field: string; message: string } {
  assert.equal(result.ok, false, "expected a validation issue");
  if (result.ok) throw new Error("unreachable");
  return result.issue;
}

describe("built-in verticals match the spec", () => {
  test("the built-ins are personal_injury and auto_insurance, and they require consent", () => {
    assert.deepEqual(
      BUILT_IN_VERTICALS.map((v) => v.id),
      ["personal_injury", "auto_insurance"],
    );
    for (const vertical of BUILT_IN_VERTICALS) assert.equal(vertical.consent_required, true);
  });

  test("personal_injury: the ping fields a law firm prices on, none of them PII", () => {
    assert.deepEqual(nonPiiNames(personalInjury).sort(), [
      "city",
      "consent_verified",
      "crash_type",
      "days_since_accident",
      "injury_severity",
      "injury_type",
      "insured",
      "liability",
      "other_party_insured",
      "property_damage",
      "state",
      "zip",
    ]);
    const severity = personalInjury.fields.find((f) => f.name === "injury_severity");
    assert.deepEqual(
      { type: severity?.type, min: severity?.min, max: severity?.max },
      {
        type: "integer",
        min: 1,
        max: 10,
      },
    );
  });

  test("personal_injury: the post adds the consumer and the case, all PII", () => {
    assert.deepEqual(piiNames(personalInjury).sort(), [
      "accident_narrative",
      "email",
      "first_name",
      "injury_description",
      "insurance_company",
      "last_name",
      "phone",
      "property_damage_details",
      "treating_physician",
    ]);
  });

  test("auto_insurance: non-PII ping fields and PII post fields", () => {
    assert.deepEqual(nonPiiNames(autoInsurance).sort(), [
      "age_bracket",
      "coverage_type",
      "currently_insured",
      "state",
      "vehicle_make",
      "vehicle_year",
      "zip",
    ]);
    assert.deepEqual(piiNames(autoInsurance).sort(), [
      "date_of_birth",
      "email",
      "first_name",
      "last_name",
      "phone",
      "street_address",
    ]);
  });

  for (const vertical of BUILT_IN_VERTICALS) {
    test(`${vertical.id}: contact and free-text fields are PII; names are unique; enums list values`, () => {
      for (const f of vertical.fields) {
        if (
          ["phone", "email"].includes(f.type) ||
          /name|narrative|description|details|address/.test(f.name)
        ) {
          assert.equal(f.pii, true, `${f.name} must be PII`);
        }
        if (f.type === "enum") assert.ok(f.values && f.values.length > 0, `${f.name} lists its values`);
      }
      assert.equal(new Set(names(vertical.fields)).size, vertical.fields.length);
    });
  }
});

for (const { vertical, ping, pii } of SAMPLES) {
  describe(`validateLead: ${vertical.id}`, () => {
    test("ping: accepts the non-PII fields and returns them in canonical form", () => {
      const result = validateLead(vertical, ping, "ping");
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(Object.keys(result.lead).sort(), Object.keys(ping).sort());
      assert.equal(result.lead["state"], String(ping["state"]).toUpperCase());
    });

    test("ping: refuses every PII field, even one that is not required", () => {
      for (const name of piiNames(vertical)) {
        const issue = issueOf(validateLead(vertical, { ...ping, [name]: pii[name] }, "ping"));
        assert.equal(issue.field, `lead.${name}`);
      }
    });

    test("ping: refuses a PII field even when its value is null", () => {
      const name = piiNames(vertical)[0]!;
      assert.equal(issueOf(validateLead(vertical, { ...ping, [name]: null }, "ping")).field, `lead.${name}`);
    });

    test("ping and post: refuse unknown fields", () => {
      for (const phase of ["ping", "post"] as const) {
        const lead = { ...ping, ...(phase === "post" ? pii : {}), favourite_colour: "blue" };
        assert.equal(issueOf(validateLead(vertical, lead, phase)).field, "lead.favourite_colour");
      }
    });

    test("ping: requires every required non-PII field, and not the PII ones", () => {
      for (const f of vertical.fields.filter((f) => f.required && !f.pii)) {
        const { [f.name]: _, ...without } = ping;
        assert.equal(issueOf(validateLead(vertical, without, "ping")).field, `lead.${f.name}`);
      }
    });

    test("ping: an invalid value names its field", () => {
      assert.equal(issueOf(validateLead(vertical, { ...ping, zip: "abcde" }, "ping")).field, "lead.zip");
    });

    test("post: requires the required PII fields", () => {
      for (const f of vertical.fields.filter((f) => f.required && f.pii)) {
        const { [f.name]: _, ...without } = pii;
        assert.equal(
          issueOf(validateLead(vertical, { ...ping, ...without }, "post")).field,
          `lead.${f.name}`,
        );
      }
    });

    test("post: accepts the full lead and canonicalises it (phone digits, e-mail and state case)", () => {
      const result = validateLead(vertical, { ...ping, ...pii }, "post");
      assert.ok(result.ok, JSON.stringify(result));
      assert.match(String(result.lead["phone"]), /^\d{10}$/);
      assert.equal(result.lead["email"], String(pii["email"]).toLowerCase());
      assert.equal(result.lead["state"], String(ping["state"]).toUpperCase());
    });

    test("refuses a lead that is not an object", () => {
      for (const lead of [null, "lead", 42, [ping]]) {
        assert.equal(issueOf(validateLead(vertical, lead, "ping")).field, "lead");
      }
    });
  });
}

test("validateLead: optional fields may be absent or null and are left out of the canonical lead", () => {
  const { city: _, ...withoutCity } = piPing;
  const result = validateLead(personalInjury, { ...withoutCity, property_damage: null }, "ping");
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal("city" in result.lead, false);
  assert.equal("property_damage" in result.lead, false);
});

describe("validateLead: the first issue, and leads that are not plain JSON data", () => {
  test("an unknown key is reported before a bad value, whatever their order in the lead", () => {
    const lead = { favourite_colour: "blue", ...piPing, zip: "abcde" };
    assert.equal(issueOf(validateLead(personalInjury, lead, "ping")).field, "lead.favourite_colour");
    const later = { ...piPing, zip: "abcde", favourite_colour: "blue" };
    assert.equal(issueOf(validateLead(personalInjury, later, "ping")).field, "lead.favourite_colour");
  });

  test("of two unknown or PII keys, the lead's first is named", () => {
    const lead = { ...piPing, phone: "2125550147", favourite_colour: "blue" };
    assert.equal(issueOf(validateLead(personalInjury, lead, "ping")).field, "lead.phone");
  });

  test("of two bad values, the vertical's first field is named", () => {
    const lead = { ...piPing, state: "XX", injury_type: "papercut" };
    assert.equal(issueOf(validateLead(personalInjury, lead, "ping")).field, "lead.injury_type");
  });

  test("a key set to undefined: a known optional one is left out, a required one is missing", () => {
    const optional = validateLead(personalInjury, { ...piPing, city: undefined }, "ping");
    assert.ok(optional.ok, JSON.stringify(optional));
    assert.equal("city" in optional.lead, false);
    const required = { ...piPing, zip: undefined };
    assert.deepEqual(issueOf(validateLead(personalInjury, required, "ping")), {
      field: "lead.zip",
      message: "is required",
    });
  });

  test("inherited values are read as fields, inherited keys are not the lead's own", () => {
    const { city, ...own } = piPing;
    const lead = Object.assign(Object.create({ city }), own);
    const result = validateLead(personalInjury, lead, "ping");
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.lead["city"], city);
  });

  test("a vertical read from JSON validates as its literal does", () => {
    const fromJson = JSON.parse(JSON.stringify(personalInjury)) as Vertical;
    assert.deepEqual(validateLead(fromJson, piPing, "ping"), validateLead(personalInjury, piPing, "ping"));
    assert.deepEqual(
      validateLead(fromJson, { ...piPing, ...piPii }, "post"),
      validateLead(personalInjury, { ...piPing, ...piPii }, "post"),
    );
  });
});

describe("buildPingPayload is an allowlist", () => {
  for (const { vertical, ping, pii } of SAMPLES) {
    test(`${vertical.id}: a full lead yields exactly its non-PII values`, () => {
      const payload = buildPingPayload(vertical, { ...ping, ...pii });
      assert.deepEqual(payload, ping);
      const allowed = new Set(nonPiiNames(vertical));
      for (const key of Object.keys(payload)) assert.ok(allowed.has(key), `${key} is not a non-PII field`);
    });

    test(`${vertical.id}: a new PII-flagged field and stray keys never appear`, () => {
      const extended: Vertical = {
        ...vertical,
        fields: [...vertical.fields, { name: "ssn", type: "string", pii: true, required: false }],
      };
      const lead = { ...ping, ...pii, ssn: "078-05-1120", not_a_field: "x", __proto__: { inherited: 1 } };
      const payload = buildPingPayload(extended, lead);
      assert.deepEqual(Object.keys(payload).sort(), Object.keys(ping).sort());
      assert.equal(JSON.stringify(payload).includes("078-05-1120"), false);
    });
  }

  test("a field turned PII by the operator disappears from the payload", () => {
    const cityIsPii: Vertical = {
      ...personalInjury,
      fields: personalInjury.fields.map((f) => (f.name === "city" ? { ...f, pii: true } : f)),
    };
    assert.equal("city" in buildPingPayload(cityIsPii, piPing), false);
  });

  // The ping path uses a ping's validated lead as its payload, without the copy: the two must be the same values in
  // the same order (the order is the ping body's JSON and the stored ping record's).
  for (const { vertical, ping } of SAMPLES) {
    test(`${vertical.id}: a validated ping lead is already its own ping payload, key order included`, () => {
      const validated = validateLead(vertical, ping, "ping");
      assert.ok(validated.ok);
      const payload = buildPingPayload(vertical, validated.lead);
      assert.deepEqual(Object.entries(validated.lead), Object.entries(payload));
      assert.equal(JSON.stringify(validated.lead), JSON.stringify(payload));
    });
  }
});

describe("pingMismatches", () => {
  const pinged = (validateLead(personalInjury, piPing, "ping") as { lead: LeadValues }).lead;

  test("none when the post repeats the pinged values, whatever the PII", () => {
    assert.deepEqual(pingMismatches(personalInjury, pinged, { ...pinged, ...piPii }), []);
  });

  test("lists each changed non-PII field, in vertical order", () => {
    const posted = { ...pinged, state: "NJ", injury_severity: 9, first_name: "Other" };
    assert.deepEqual(pingMismatches(personalInjury, pinged, posted), ["injury_severity", "state"]);
  });

  test("a non-PII field added or dropped on the post is a mismatch", () => {
    const { city: _, ...withoutCity } = pinged;
    assert.deepEqual(pingMismatches(personalInjury, withoutCity, pinged), ["city"]);
    assert.deepEqual(pingMismatches(personalInjury, pinged, withoutCity), ["city"]);
  });

  test("PII differences are not mismatches (the ping never had them)", () => {
    assert.deepEqual(
      pingMismatches(personalInjury, { ...pinged }, { ...pinged, email: "x@example.com" }),
      [],
    );
  });
});
