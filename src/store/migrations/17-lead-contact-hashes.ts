// The operator finds a consumer's leads by email or phone (a complaint, a do-not-call request): the sha256 of the
// normalised contact, as suppression lists and sellers' contact hashes have it (leads store them normalised).
import type { Migration } from "./migration.ts";

export const leadContactHashes: Migration = {
  name: "lead-contact-hashes",
  sqlite: `
  ALTER TABLE leads ADD COLUMN email_sha256 TEXT;
  ALTER TABLE leads ADD COLUMN phone_sha256 TEXT;
  UPDATE leads SET email_sha256 = gavel_sha256(json_extract(lead, '$.email')),
                   phone_sha256 = gavel_sha256(json_extract(lead, '$.phone'));
  CREATE INDEX leads_email ON leads (email_sha256, created_at) WHERE email_sha256 IS NOT NULL;
  CREATE INDEX leads_phone ON leads (phone_sha256, created_at) WHERE phone_sha256 IS NOT NULL;
  `,
  postgres: `
  ALTER TABLE leads ADD COLUMN email_sha256 text, ADD COLUMN phone_sha256 text;
  UPDATE leads SET email_sha256 = encode(sha256(convert_to(lead ->> 'email', 'UTF8')), 'hex'),
                   phone_sha256 = encode(sha256(convert_to(lead ->> 'phone', 'UTF8')), 'hex')
   WHERE lead ? 'email' OR lead ? 'phone';
  CREATE INDEX leads_email ON leads (email_sha256, created_at) WHERE email_sha256 IS NOT NULL;
  CREATE INDEX leads_phone ON leads (phone_sha256, created_at) WHERE phone_sha256 IS NOT NULL;
  `,
};
