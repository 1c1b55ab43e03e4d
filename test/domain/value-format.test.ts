import assert from "node:assert/strict";
import { test } from "node:test";
import { formatValue } from "../../src/domain/value-format.ts";

test("values are written as a buyer asks; a value not in the expected shape goes through unchanged", () => {
  assert.equal(formatValue("upper", "ny"), "NY");
  assert.equal(formatValue("lower", "NY"), "ny");
  assert.equal(formatValue("phone_dashed", "2125550147"), "212-555-0147");
  assert.equal(formatValue("phone_parenthesised", "2125550147"), "(212) 555-0147");
  assert.equal(formatValue("phone_e164", "2125550147"), "+12125550147");
  assert.equal(formatValue("date_us", "1990-07-04"), "07/04/1990");
  assert.equal(formatValue("phone_dashed", "+44 20 7946 0958"), "+44 20 7946 0958");
  assert.equal(formatValue("date_us", "July 4"), "July 4");
  assert.equal(formatValue("upper", 6), 6);
  assert.equal(formatValue("phone_e164", true), true);
});
