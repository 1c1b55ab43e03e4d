// Which campaign fields (and source postback URL parameters) are secrets, how they are masked, and when a mask written back stands for the stored secret.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfigFile } from "../../src/cli/config-file.ts";
import type { Campaign, Source } from "../../src/domain/config-schema.ts";
import {
  campaignSecretPaths,
  isCredentialName,
  MaskedSecretProblem,
  maskCampaignSecrets,
  maskSecret,
  maskSourceSecrets,
  maskUrlSecrets,
  restoreMaskedSecrets,
  restoreMaskedSourceSecrets,
} from "../../src/domain/config-secrets.ts";

const base: Campaign = {
  id: "c1",
  buyer_id: "b1",
  vertical: "personal_injury",
  name: "C1",
  status: "active",
  filters: [],
  pricing: { type: "fixed", price: 10 },
};

test("masks are 16 characters and show the last four of a long secret only", () => {
  assert.equal(maskSecret("0123456789abcdefWXYZ"), "••••••••••••WXYZ");
  assert.equal(maskSecret("short-key"), "••••••••••••••••");
});

test("credential names: keys, tokens, secrets, passwords, authorization; not ids or codes", () => {
  for (const name of [
    "Authorization",
    "X-Api-Key",
    "api_key",
    "apikey",
    "key",
    "lp_campaign_key",
    "api_token",
    "client_secret",
    "password",
    "X-Signature",
    "Cookie",
  ])
    assert.ok(isCredentialName(name), name);
  for (const name of ["campaign_id", "src", "lead_type", "Accept", "Content-Type", "keyword", "monkey_id"])
    assert.ok(!isCredentialName(name), name);
});

test("every secret-bearing field of a campaign is found, placeholders are not", () => {
  const reply = { accept: { path: "ok", equals: [true] } };
  const templated: Campaign = {
    ...base,
    delivery: { type: "webhook", url: "https://x.example/h", secret: "s".repeat(20) },
    integration: {
      type: "templated",
      ping: {
        format: "json",
        auth: { type: "api_key", in: "header", name: "X-Key", value: "v".repeat(20) },
        query: { token: "q".repeat(20), page: "1" },
        body: { password: "p".repeat(20), vertical: "{{vertical}}", api_key: "{{request_id}}" },
        response: { ...reply, price: "price" },
      },
      post: {
        format: "form",
        auth: { type: "bearer", token: "t".repeat(20) },
        headers: { Authorization: "Bearer {{request_id}}x", "X-Trace": "on" },
        body: {},
        response: reply,
      },
    },
  };
  assert.deepEqual(
    campaignSecretPaths(templated).map((path) => path.join(".")),
    [
      "delivery.secret",
      "integration.ping.auth.value",
      "integration.ping.query.token",
      "integration.ping.body.password",
      "integration.post.auth.token",
      "integration.post.headers.Authorization",
    ],
  );
  const preset: Campaign = {
    ...base,
    integration: {
      type: "preset",
      preset: "leadspedia",
      params: { campaign_id: "12", campaign_key: "k".repeat(20) },
    },
  };
  assert.deepEqual(campaignSecretPaths(preset), [["integration", "params", "campaign_key"]]);
  assert.deepEqual(maskCampaignSecrets(preset).integration, {
    type: "preset",
    preset: "leadspedia",
    params: { campaign_id: "12", campaign_key: "••••••••••••kkkk" },
  });
  assert.equal(
    (preset.integration as { params: Record<string, string> }).params.campaign_key,
    "k".repeat(20),
    "not changed in place",
  );
});

test("a mask written back is the stored secret; a stale or orphan mask is refused with its field", () => {
  const stored: Campaign = {
    ...base,
    delivery: { type: "webhook", url: "https://x.example/h", secret: "original-secret-1234" },
  };
  const written = structuredClone(maskCampaignSecrets(stored));
  restoreMaskedSecrets(written, stored);
  assert.deepEqual(written, stored);

  const stale = {
    ...structuredClone(stored),
    delivery: { ...stored.delivery!, secret: maskSecret("another-secret-99999") },
  };
  assert.throws(
    () => restoreMaskedSecrets(stale, stored),
    (error: unknown) => {
      assert.ok(error instanceof MaskedSecretProblem);
      assert.equal(error.field, "delivery.secret");
      return true;
    },
  );
  assert.throws(
    () => restoreMaskedSecrets(structuredClone(maskCampaignSecrets(stored)), undefined),
    MaskedSecretProblem,
  );
  // A mask pasted into a field that holds no secret is refused too: a mask is never a value.
  assert.throws(
    () => restoreMaskedSecrets({ ...base, name: maskSecret("x") }, stored),
    /name is a masked secret/,
  );
});

test("a config file holding a masked secret (an export used as it is) is refused at start", () => {
  const folder = mkdtempSync(join(tmpdir(), "gavel-masked-"));
  try {
    const path = join(folder, "gavel.config.json");
    const campaign = maskCampaignSecrets({
      ...base,
      delivery: { type: "webhook", url: "https://x.example/h", secret: "original-secret-1234" },
    });
    writeFileSync(path, JSON.stringify({ campaigns: [campaign] }));
    assert.throws(() => loadConfigFile(path), /campaigns\/0\/delivery\/secret is a masked secret/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("a postback URL's credential parameters are masked, byte for byte around them; macros and other values are not", () => {
  assert.equal(
    maskUrlSecrets("https://t.example/pb?cid={lead_id}&token=tracker-token-0123456789&amount={price}#x"),
    `https://t.example/pb?cid={lead_id}&token=${maskSecret("tracker-token-0123456789")}&amount={price}#x`,
  );
  // Encoded values are judged decoded; a macro standing in a credential's place is no secret; no query, no change.
  assert.equal(
    maskUrlSecrets("https://t.example/pb?api_key=a%2Fb%2Bc-long-enough-key&sub={sub_id}"),
    `https://t.example/pb?api_key=${maskSecret("a/b+c-long-enough-key")}&sub={sub_id}`,
  );
  assert.equal(
    maskUrlSecrets("https://t.example/pb?token={lead_id}"),
    "https://t.example/pb?token={lead_id}",
  );
  assert.equal(maskUrlSecrets("https://t.example/pb/token/abc"), "https://t.example/pb/token/abc");
  assert.equal(maskUrlSecrets("https://t.example/pb?token="), "https://t.example/pb?token=");
});

test("a source's postbacks are masked when read and restored when the mask comes back unchanged", () => {
  const source: Source = {
    id: "s1",
    name: "S1",
    status: "live",
    payout: { model: "revenue_share", percent: 80 },
    postback: [
      { url: "https://t.example/pb?lead={lead_id}&secret=first-secret-abcdefgh" },
      { url: "https://u.example/pb?key=second%20secret%20value", method: "GET" },
    ],
  };
  const masked = maskSourceSecrets(source);
  assert.ok(!JSON.stringify(masked).includes("first-secret"), JSON.stringify(masked));
  assert.ok(!JSON.stringify(masked).includes("second%20secret"), JSON.stringify(masked));
  assert.equal((source.postback as { url: string }[])[0]!.url.includes("first-secret"), true, "not in place");
  const written = structuredClone(masked);
  restoreMaskedSourceSecrets(written, source);
  assert.deepEqual(written, source, "restored exactly as written, encoding and all");

  // A mask encoded by the browser is the same mask; one at a position or name with nothing behind it is refused.
  const encoded = structuredClone(masked) as { postback: { url: string }[] };
  encoded.postback[0]!.url = encoded.postback[0]!.url.replace(/•/g, encodeURIComponent("•"));
  restoreMaskedSourceSecrets(encoded, source);
  assert.deepEqual(encoded, source);
  const swapped = structuredClone(masked) as { postback: { url: string }[] };
  swapped.postback.reverse();
  assert.throws(
    () => restoreMaskedSourceSecrets(swapped, source),
    (error: unknown) => error instanceof MaskedSecretProblem && error.field === "postback.0.url",
  );
  const single = { ...source, postback: { url: (masked.postback as { url: string }[])[0]!.url } };
  assert.throws(
    () => restoreMaskedSourceSecrets(single, { ...source, postback: undefined }),
    (error: unknown) => error instanceof MaskedSecretProblem && error.field === "postback.url",
  );
  // Without credentials the source is returned as it is.
  const plain = { ...source, postback: { url: "https://t.example/pb?lead={lead_id}" } };
  assert.equal(maskSourceSecrets(plain), plain);
});

test("a config file whose postback URL holds a masked credential is refused at start", () => {
  const folder = mkdtempSync(join(tmpdir(), "gavel-masked-"));
  try {
    const path = join(folder, "gavel.config.json");
    const url = maskUrlSecrets("https://t.example/pb?token=tracker-token-0123456789");
    const source = { id: "s1", name: "S1", status: "live", payout: { model: "revenue_share", percent: 80 } };
    writeFileSync(path, JSON.stringify({ sources: [{ ...source, postback: { url } }] }));
    assert.throws(() => loadConfigFile(path), /sources\/0\/postback holds a masked credential/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
