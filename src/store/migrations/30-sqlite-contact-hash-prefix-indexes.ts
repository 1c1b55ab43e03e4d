// SQLite: the contact-hash indexes keyed by the first 16 hex digits of the hash (64 bits) instead of the whole hash and
// the lead's time (bench/README.md, issue 14, session 26). A hash is random, so every sale inserts into a random leaf
// of each of these indexes: on a file of many leads that leaf is written to the WAL, copied by the next checkpoint, and
// often read back from the file first. An entry of ~80 bytes (64 hex digits, the time, the rowid) becomes ~22: the
// indexes are a quarter the size, so their leaves split (three or four pages written) a quarter as often and more of
// them stay in the page cache. The one query that reads them (Store.leadsOfContact: a consumer's leads, for a privacy
// request or the operator) seeks the prefix, checks the whole hash row by row, and sorts that consumer's few leads by
// time itself. Two leads of different consumers share a prefix once in about 4·10⁹ pairs of hashes: they are told
// apart by the whole hash, at the cost of reading one row more.
// PostgreSQL keeps its indexes (another store, not measured here).
import type { Migration } from "./migration.ts";

/** How many leading hex digits of a contact hash the SQLite indexes hold (src/store/sql/lead-queries.ts seeks them). */
export const CONTACT_HASH_PREFIX_DIGITS = 16;

export const sqliteContactHashPrefixIndexes: Migration = {
  name: "sqlite-contact-hash-prefix-indexes",
  sqlite: `
  DROP INDEX leads_email;
  DROP INDEX leads_phone;
  CREATE INDEX leads_email ON leads (substr(email_sha256, 1, ${CONTACT_HASH_PREFIX_DIGITS}))
    WHERE email_sha256 IS NOT NULL;
  CREATE INDEX leads_phone ON leads (substr(phone_sha256, 1, ${CONTACT_HASH_PREFIX_DIGITS}))
    WHERE phone_sha256 IS NOT NULL;
  `,
  postgres: null,
};
