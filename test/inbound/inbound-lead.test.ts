// The inbound field and value maps, without I/O: platform names and form spellings → a vertical's lead and consent.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FieldDefinition } from "../../src/domain/fields.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { GavelError } from "../../src/errors.ts";
import { BOBERDOO_FIELDS } from "../../src/inbound/boberdoo.ts";
import { inboundValue, mapInboundLead, sellerFieldName } from "../../src/inbound/inbound-lead.ts";
import { LEADSPEDIA_FIELDS } from "../../src/inbound/leadspedia.ts";

const field = (overrides: Partial<FieldDefinition>): FieldDefinition => ({
  name: "f",
  type: "string",
  pii: false,
  required: false,
  ...overrides,
});

describe("inbound values", () => {
  test("form spellings become the field's type; what cannot be read is left for validation to refuse", () => {
    const boolean = field({ type: "boolean" });
    for (const yes of ["Yes", "y", "TRUE", "1"]) assert.equal(inboundValue(boolean, yes), true, yes);
    for (const no of ["No", "n", "false", "0"]) assert.equal(inboundValue(boolean, no), false, no);
    assert.equal(inboundValue(boolean, "maybe"), "maybe");
    assert.equal(inboundValue(field({ type: "integer" }), " 7 "), 7);
    assert.equal(inboundValue(field({ type: "number" }), "2.5"), 2.5);
    assert.equal(inboundValue(field({ type: "integer" }), "seven"), "seven");
    const crash = field({ type: "enum", values: ["rear_end", "t_bone"] });
    assert.equal(inboundValue(crash, "Rear End"), "rear_end");
    assert.equal(inboundValue(crash, "T-Bone"), "t_bone");
    assert.equal(inboundValue(crash, "sideways"), "sideways");
    assert.equal(inboundValue(field({ type: "date" }), "3/4/1980"), "1980-03-04");
    assert.equal(inboundValue(field({ type: "date" }), "1980-03-04"), "1980-03-04");
    // JSON values pass as sent: a JSON seller already typed them.
    assert.equal(inboundValue(boolean, true), true);
  });

  test("a source's value map comes first", () => {
    const injury = field({ type: "enum", values: ["fracture"] });
    assert.equal(inboundValue(injury, "Broken Bone", { "Broken Bone": "fracture" }), "fracture");
  });
});

describe("inbound leads", () => {
  test("platform names, the vertical's own names and consent keys; empty values are absent", () => {
    const mapped = mapInboundLead(
      {
        Zip: "90210",
        State: "ca",
        City: "",
        injury_severity: "7",
        Trusted_Form_URL: "https://cert.trustedform.com/abc",
        xxTrustedFormCertUrl: "https://cert.trustedform.com/other",
        IP_Address: "203.0.113.7",
      },
      personalInjury,
      BOBERDOO_FIELDS,
      undefined,
    );
    assert.deepEqual(mapped.lead, { zip: "90210", state: "ca", injury_severity: 7 });
    assert.deepEqual(mapped.consent, {
      trustedform_cert_url: "https://cert.trustedform.com/abc",
      ip_address: "203.0.113.7",
    });
    assert.equal(mapped.sentAs.get("lead.zip"), "Zip");
    assert.equal(mapped.sentAs.get("consent.trustedform_cert_url"), "Trusted_Form_URL");
  });

  test("an unknown field is refused by its name; a source maps it, or to null to drop it", () => {
    assert.throws(
      () => mapInboundLead({ Favourite_Color: "blue" }, personalInjury, BOBERDOO_FIELDS, undefined),
      (error: unknown) => error instanceof GavelError && error.field === "Favourite_Color",
    );
    const mapped = mapInboundLead(
      { Favourite_Color: "blue", Injury: "Broken Bone", Zip: "90210" },
      personalInjury,
      BOBERDOO_FIELDS,
      {
        fields: { Favourite_Color: null, Injury: "injury_type", Zip: "city" },
        values: { injury_type: { "Broken Bone": "fracture" } },
      },
    );
    assert.deepEqual(mapped.lead, { injury_type: "fracture", city: "90210" }, "the source's map wins");
    const ignoring = mapInboundLead(
      { Favourite_Color: "blue", Zip: "90210" },
      personalInjury,
      BOBERDOO_FIELDS,
      {
        unknown_fields: "ignore",
      },
    );
    assert.deepEqual(ignoring.lead, { zip: "90210" }, "a source may ignore every unknown name");
    assert.throws(
      () => mapInboundLead({ Zip: "1" }, personalInjury, BOBERDOO_FIELDS, { fields: { Zip: "postcode" } }),
      (error: unknown) =>
        error instanceof GavelError && error.field === "Zip" && /postcode/.test(error.message),
    );
  });

  test("a bare TrustedForm certificate id becomes its URL", () => {
    const mapped = mapInboundLead(
      { trusted_form_cert_id: "0123456789ABCDEF0123456789abcdef01234567" },
      personalInjury,
      LEADSPEDIA_FIELDS,
      undefined,
    );
    assert.equal(
      mapped.consent.trustedform_cert_url,
      "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
    );
  });

  test("errors name the seller's field: as sent, else the platform's first name for it", () => {
    const sentAs = new Map([["lead.zip", "Zip"]]);
    assert.equal(sellerFieldName("lead.zip", sentAs, BOBERDOO_FIELDS, undefined), "Zip");
    assert.equal(sellerFieldName("lead.zip", undefined, LEADSPEDIA_FIELDS, undefined), "zip_code");
    assert.equal(sellerFieldName("lead.injury_type", undefined, LEADSPEDIA_FIELDS, undefined), "injury_type");
    assert.equal(
      sellerFieldName("lead.injury_type", undefined, LEADSPEDIA_FIELDS, {
        fields: { Injury: "injury_type" },
      }),
      "Injury",
    );
  });
});

describe("the consumer's visit", () => {
  test("IP, user agent and landing page become the lead context, and stay consent evidence kept with the lead", () => {
    const mapped = mapInboundLead(
      {
        zip_code: "90210",
        ip_address: " 203.0.113.7 ",
        user_agent: "Mozilla/5.0",
        landing_page: "https://quotes.example.com/pi",
        xxTrustedFormPingUrl: "https://ping.trustedform.com/abc",
      },
      personalInjury,
      LEADSPEDIA_FIELDS,
      undefined,
    );
    assert.deepEqual(mapped.context, {
      ip_address: "203.0.113.7",
      user_agent: "Mozilla/5.0",
      landing_page_url: "https://quotes.example.com/pi",
      trustedform_ping_url: "https://ping.trustedform.com/abc",
    });
    assert.deepEqual(mapped.consent, {
      ip_address: "203.0.113.7",
      user_agent: "Mozilla/5.0",
      landing_page: "https://quotes.example.com/pi",
    });
    assert.equal(mapped.sentAs.get("context.landing_page_url"), "landing_page");
    assert.deepEqual(mapped.lead, { zip: "90210" });
  });

  test("a vertical with a field of the context's name gets the value as a lead field too", () => {
    const withIp = {
      ...personalInjury,
      fields: [...personalInjury.fields, field({ name: "ip_address", max_length: 45 })],
    };
    const mapped = mapInboundLead({ IP_Address: "203.0.113.9" }, withIp, BOBERDOO_FIELDS, undefined);
    assert.equal(mapped.lead.ip_address, "203.0.113.9");
    assert.equal(mapped.context.ip_address, "203.0.113.9");
  });
});
