// Which campaign fields are secrets, how they are masked, and when a mask written back stands for the stored secret.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfigFile } from "../../src/cli/config-file.ts";
import type { Campaign } from "../../src/domain/config-schema.ts";
import {
  campaignSecretPaths,
  isCredentialName,
  MaskedSecretProblem,
  maskCampaignSecrets,
  maskSecret,
  restoreMaskedSecrets,
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
