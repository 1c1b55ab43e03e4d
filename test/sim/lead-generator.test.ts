import assert from "node:assert/strict";
import { test } from "node:test";
import { validateLead } from "../../src/domain/vertical.ts";
import { BUILT_IN_VERTICALS } from "../../src/domain/verticals/index.ts";
import { generateLead, pingPart } from "../../src/sim/lead-generator.ts";
import { seededRandom } from "../../src/sim/random.ts";

for (const vertical of BUILT_IN_VERTICALS) {
  test(`${vertical.id}: generated leads pass post validation, and their ping part passes ping validation`, () => {
    const random = seededRandom(42);
    for (let i = 0; i < 200; i++) {
      const { lead, consent } = generateLead(vertical.id, random);
      const posted = validateLead(vertical, lead, "post");
      assert.ok(posted.ok, JSON.stringify(posted));
      const pinged = validateLead(vertical, pingPart(vertical.id, lead), "ping");
      assert.ok(pinged.ok, JSON.stringify(pinged));
      assert.match(consent.trustedform_cert_url, /^https:\/\/cert\.trustedform\.com\/[0-9a-f]{40}$/);
    }
  });

  test(`${vertical.id}: the ping part carries no PII field`, () => {
    const { lead } = generateLead(vertical.id, seededRandom(7));
    const piiFields = vertical.fields.filter((f) => f.pii).map((f) => f.name);
    const sent = Object.keys(pingPart(vertical, lead));
    assert.deepEqual(
      sent.filter((name) => piiFields.includes(name)),
      [],
    );
    assert.ok(sent.length > 0);
  });
}

test("contact details are fictional: 555-01xx phones and example.com e-mail", () => {
  const { lead } = generateLead("personal_injury", seededRandom(1));
  assert.match(String(lead["phone"]), /^[2-9]\d{2}55501\d{2}$/);
  assert.match(String(lead["email"]), /@example\.com$/);
});

test("the same seed gives the same lead", () => {
  assert.deepEqual(
    generateLead("auto_insurance", seededRandom(3)),
    generateLead("auto_insurance", seededRandom(3)),
  );
});
