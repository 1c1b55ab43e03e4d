// One hash for everything Gavel compares without keeping the original: source and buyer API keys, contact hashes
// (suppression, duplicates), replay-guard fingerprints.
import { hash } from "node:crypto";

/** crypto.hash, one call: a quarter of createHash().update().digest()'s cost on a key, with no Hash object made. */
export function sha256Hex(text: string): string {
  return hash("sha256", text, "hex");
}
