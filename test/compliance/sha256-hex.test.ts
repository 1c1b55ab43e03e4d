// sha256Hex is the digest stored for keys and contacts: it must stay createHash's, byte for byte (UTF-8 input, hex).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";

test("sha256Hex is createHash('sha256') of the text's UTF-8, in hex", () => {
  for (const text of ["", "gvl_live_0123456789abcdef", "josé@example.com", "☎ +1 555 0100", "\u{1F600}"]) {
    assert.equal(sha256Hex(text), createHash("sha256").update(text, "utf8").digest("hex"));
  }
  assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
