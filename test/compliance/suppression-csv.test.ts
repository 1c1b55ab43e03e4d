// The suppression CSV reader against the shapes CRM and spreadsheet exports write (RFC 4180): quoted names with commas,
// line breaks inside quotes, a byte order mark, CRLF, a header naming other columns, and rows that cannot be read.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  MAX_LISTED_PROBLEMS,
  parseSuppressionCsv,
} from "../../src/compliance/suppression/suppression-csv.ts";
import { hashContact } from "../../src/compliance/suppression/suppression-hash.ts";

const email = (value: string) => hashContact("email", value)!;
const phone = (value: string) => hashContact("phone", value)!;

describe("suppression CSV", () => {
  test("a quoted name with a comma: the email on that row is read (the issue's file)", async () => {
    const parsed = await parseSuppressionCsv('name,email\n"Doe, Jane",jane@example.com\n');
    assert.deepEqual(parsed, {
      hashes: [email("jane@example.com")],
      invalid: 0,
      unreadable: 0,
      problems: [],
    });
  });

  test("a CRM export: BOM, CRLF, quoted cells with doubled quotes and line breaks, other columns ignored", async () => {
    const csv =
      "\uFEFFFirst Name,Notes,Email,Phone\r\n" +
      'Jane,"said ""no"", twice",jane@example.com,(212) 555-0147\r\n' +
      '"O\'Brien","line one\r\nline two, with a comma",OBRIEN@EXAMPLE.COM,\r\n' +
      '"Smith, Bob","",,"310-555-0100"\r\n';
    const parsed = await parseSuppressionCsv(csv);
    assert.deepEqual(parsed.hashes, [
      email("jane@example.com"),
      phone("2125550147"),
      email("obrien@example.com"),
      phone("3105550100"),
    ]);
    assert.equal(parsed.invalid, 0);
    assert.equal(parsed.unreadable, 0);
  });

  test("the header is found behind a byte order mark (else every email would be read as a phone)", async () => {
    const parsed = await parseSuppressionCsv("\uFEFFemail\r\na@example.com\r\n");
    assert.deepEqual(parsed.hashes, [email("a@example.com")]);
    assert.equal(parsed.invalid, 0);
  });

  test("no header: one column of emails and phones, told apart by the @", async () => {
    const parsed = await parseSuppressionCsv('a@example.com\r\n"212-555-0147"\r\n\r\nnot a phone\r\n');
    assert.deepEqual(parsed.hashes, [email("a@example.com"), phone("2125550147")]);
    assert.equal(parsed.invalid, 1);
    assert.deepEqual(parsed.problems, [{ line: 4, reason: "not a valid phone" }]);
  });

  test("invalid values and an unreadable row are reported by line; the rows around them are kept", async () => {
    const csv = [
      "name,email,phone", // 1
      '"Doe, Jane",jane@example.com,', // 2
      "Bob,not-an-email,212-555-0147", // 3
      '"multi', // 4
      'line",x@example.com,', // 5
      "Ann,ann@example.com,", // 6
      '"never closed,z@example.com,', // 7
      "Zed,zed@example.com,", // 8
      "",
    ].join("\n");
    const parsed = await parseSuppressionCsv(csv);
    assert.deepEqual(parsed.hashes, [
      email("jane@example.com"),
      phone("2125550147"),
      email("x@example.com"),
      email("ann@example.com"),
    ]);
    assert.equal(parsed.invalid, 1);
    assert.equal(parsed.unreadable, 1);
    assert.deepEqual(parsed.problems, [
      { line: 3, reason: "not a valid email" },
      {
        line: 7,
        reason: "a quoted cell that starts here is never closed: the rest of the file was not read",
      },
    ]);
  });

  test("the list of problems is bounded; the count is not", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `bad-${i}`);
    const parsed = await parseSuppressionCsv(`email\n${rows.join("\n")}\n`);
    assert.equal(parsed.invalid, 50);
    assert.equal(parsed.problems.length, MAX_LISTED_PROBLEMS);
    assert.deepEqual(parsed.problems[0], { line: 2, reason: "not a valid email" });
  });
});
