import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { coerceFieldValue, type FieldDefinition, type FieldType } from "../../src/domain/fields.ts";

function field(type: FieldType, extra: Partial<FieldDefinition> = {}): FieldDefinition {
  return { name: "f", type, pii: false, required: true, ...extra };
}

/** Asserts the value is accepted and returns its canonical form. */
function accepted(definition: FieldDefinition, value: unknown): unknown {
  const result = coerceFieldValue(definition, value);
  assert.ok(
    result.ok,
    `${JSON.stringify(value)} should be accepted as ${definition.type}: ${JSON.stringify(result)}`,
  );
  return result.value;
}

function refused(definition: FieldDefinition, value: unknown): void {
  const result = coerceFieldValue(definition, value);
  assert.equal(result.ok, false, `${JSON.stringify(value)} should be refused as ${definition.type}`);
  if (!result.ok) assert.ok(result.problem.length > 0, "a refusal says what is wrong");
}

describe("zip", () => {
  const zip = field("zip");
  test("accepts five digits and ZIP+4, unchanged", () => {
    assert.equal(accepted(zip, "12345"), "12345");
    assert.equal(accepted(zip, "12345-6789"), "12345-6789");
    assert.equal(accepted(zip, "02139"), "02139");
  });
  test("refuses anything else", () => {
    for (const value of ["1234", "abcde", "123456", "12345-678", "12345 6789", " 12345", "12345\n", 12345]) {
      refused(zip, value);
    }
  });
});

describe("state", () => {
  const state = field("state");
  test("accepts a US state or territory code, upper-cased", () => {
    assert.equal(accepted(state, "NY"), "NY");
    assert.equal(accepted(state, "ny"), "NY");
    assert.equal(accepted(state, "Ca"), "CA");
    assert.equal(accepted(state, "DC"), "DC");
    assert.equal(accepted(state, "pr"), "PR");
  });
  test("refuses unknown codes and names", () => {
    for (const value of ["ZZ", "XX", "New York", "N", "", " NY"]) refused(state, value);
  });
});

describe("phone", () => {
  const phone = field("phone");
  test("normalises US formats to ten digits", () => {
    assert.equal(accepted(phone, "(212) 555-0147"), "2125550147");
    assert.equal(accepted(phone, "+1 212-555-0147"), "2125550147");
    assert.equal(accepted(phone, "1-212-555-0147"), "2125550147");
    assert.equal(accepted(phone, "212.555.0147"), "2125550147");
    assert.equal(accepted(phone, "2125550147"), "2125550147");
  });
  test("refuses too few or too many digits", () => {
    for (const value of ["123", "212555014", "21255501470", "+44 20 7946 0958", ""]) refused(phone, value);
  });
  test("refuses area codes and exchanges starting with 0 or 1 (NANP)", () => {
    for (const value of [
      "(012) 555-0147",
      "(112) 555-0147",
      "+1 012 555 0147",
      "(212) 055-0147",
      "(212) 155-0147",
    ]) {
      refused(phone, value);
    }
  });
  test("refuses a number given as a number, not a string", () => {
    refused(phone, 2125550147);
  });
});

describe("email", () => {
  const email = field("email");
  test("accepts an address and lower-cases it", () => {
    assert.equal(accepted(email, "Jane.Doe@Example.COM"), "jane.doe@example.com");
    assert.equal(accepted(email, "a+tag@mail.example.org"), "a+tag@mail.example.org");
  });
  test("refuses what is not an address", () => {
    for (const value of [
      "jane",
      "jane@",
      "@example.com",
      "jane@example",
      "jane doe@example.com",
      "a@b@c.com",
    ]) {
      refused(email, value);
    }
  });
});

describe("url", () => {
  const url = field("url");
  test("accepts http and https URLs unchanged", () => {
    assert.equal(accepted(url, "https://cert.trustedform.com/abc"), "https://cert.trustedform.com/abc");
    assert.equal(accepted(url, "http://example.com/x?y=1"), "http://example.com/x?y=1");
  });
  test("refuses other schemes and non-URLs", () => {
    for (const value of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "ftp://example.com/file",
      "file:///etc/passwd",
      "example.com",
      "not a url",
    ]) {
      refused(url, value);
    }
  });
});

describe("date", () => {
  const date = field("date");
  test("accepts YYYY-MM-DD", () => {
    assert.equal(accepted(date, "1985-07-14"), "1985-07-14");
    assert.equal(accepted(date, "2024-02-29"), "2024-02-29");
  });
  test("refuses other shapes and impossible months", () => {
    for (const value of [
      "07/14/1985",
      "1985-7-14",
      "1985-07-14T00:00:00Z",
      "2024-13-01",
      "2024-00-10",
      "yesterday",
    ]) {
      refused(date, value);
    }
  });
  test("refuses days that do not exist in the month", {}, () => {
    for (const value of ["2024-02-30", "2023-02-29", "2024-04-31"]) refused(date, value);
  });
});

describe("enum", () => {
  const color = field("enum", { values: ["red", "green"] });
  test("accepts only listed values, case-sensitively", () => {
    assert.equal(accepted(color, "red"), "red");
    refused(color, "blue");
    refused(color, "RED");
    refused(color, "");
    refused(color, 1);
  });
});

describe("integer and number", () => {
  const severity = field("integer", { min: 1, max: 10 });
  const score = field("number", { min: 0, max: 1 });
  test("integer: inclusive bounds, whole numbers only", () => {
    assert.equal(accepted(severity, 1), 1);
    assert.equal(accepted(severity, 10), 10);
    refused(severity, 0);
    refused(severity, 11);
    refused(severity, 5.5);
  });
  test("number: inclusive bounds, fractions allowed", () => {
    assert.equal(accepted(score, 0), 0);
    assert.equal(accepted(score, 0.5), 0.5);
    assert.equal(accepted(score, 1), 1);
    refused(score, -0.01);
    refused(score, 1.01);
  });
  test("no bounds: any finite number", () => {
    assert.equal(accepted(field("integer"), -40), -40);
    assert.equal(accepted(field("number"), 1e9), 1e9);
  });
  test("refuses numeric strings, NaN, infinities and other types", () => {
    for (const definition of [severity, score]) {
      for (const value of [
        "5",
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        true,
        null,
        [5],
      ]) {
        refused(definition, value);
      }
    }
  });
});

describe("boolean", () => {
  const insured = field("boolean");
  test("accepts only true and false", () => {
    assert.equal(accepted(insured, true), true);
    assert.equal(accepted(insured, false), false);
    for (const value of ["true", "false", "yes", 1, 0, null]) refused(insured, value);
  });
});

describe("string and max_length", () => {
  test("a string up to max_length is accepted unchanged; one more character is refused", () => {
    const name = field("string", { max_length: 5 });
    assert.equal(accepted(name, "abcde"), "abcde");
    refused(name, "abcdef");
  });
  test("max_length defaults to 1000", () => {
    const text = field("string");
    accepted(text, "x".repeat(1000));
    refused(text, "x".repeat(1001));
  });
  test("max_length applies to every string-shaped type", () => {
    refused(field("enum", { values: ["abcdef"], max_length: 5 }), "abcdef");
    refused(field("url", { max_length: 10 }), "https://example.com/");
    refused(field("email", { max_length: 10 }), "someone@example.com");
  });
  test("a required string must not be blank; an optional one may be", () => {
    refused(field("string", { required: true }), "   ");
    assert.equal(accepted(field("string", { required: false }), ""), "");
  });
  test("refuses non-strings", () => {
    for (const value of [1, true, {}, ["a"]]) refused(field("string"), value);
  });
});
