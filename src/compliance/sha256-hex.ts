// One hash for everything Gavel compares without keeping the original: source and buyer API keys, contact hashes
// (suppression, duplicates), replay-guard fingerprints.
import { createHash } from "node:crypto";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
