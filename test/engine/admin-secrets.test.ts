// Secrets in the configuration (campaigns', and sources' postback URL tokens) never come back in full from the admin
// API (one campaign or source, the list, the export, the answer to a PUT, the audit trail), and a PUT that sends the mask back unchanged, as the console's forms do, keeps the secret; a mask
// with no secret behind it is refused. Over real HTTP on both backends; the live configuration shows what is kept.
// Backend-independent: masking and keeping a masked secret happen in the admin API; the configuration it saves
// round-trips on both backends in test/store/store-contract (putConfig/loadConfig).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Campaign, ConfigFile } from "../../src/domain/config-schema.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const WEBHOOK_SECRET = "whsec-0123456789-abcdefghij-WXYZ";
const BEARER_TOKEN = "tok_live_9f8e7d6c5b4a39281706";
const HEADER_KEY = "hdr-key-5555666677778888";
const BASIC_PASSWORD = "hunter2-but-longer-9876";
const PRESET_KEY = "boberdoo-key-00112233445566";
const QUERY_TOKEN = "query-token-abcdef012345";
const BODY_KEY = "body/key+with=odd&chars-77";
const POSTBACK_TOKEN = "trk-postback-token-31415926";
const SECRETS = [
  WEBHOOK_SECRET,
  BEARER_TOKEN,
  HEADER_KEY,
  BASIC_PASSWORD,
  PRESET_KEY,
  QUERY_TOKEN,
  BODY_KEY,
  POSTBACK_TOKEN,
];
const POSTBACK_URL = `https://tracker.example/pb?click={sub_id}&token=${POSTBACK_TOKEN}&payout={price}`;

function templatedCampaign(base: Campaign): Campaign {
  const reply = { accept: { path: "result", equals: ["ok"] }, price: "price" };
  return {
    ...base,
    id: "templated",
    integration: {
      type: "templated",
      ping: {
        format: "json",
        auth: { type: "bearer", token: BEARER_TOKEN },
        headers: { "X-Api-Key": HEADER_KEY, "X-Request-Token": "{{request_id}}", Accept: "application/json" },
        query: { token: QUERY_TOKEN },
        body: { "*": "{{lead}}", api_key: BODY_KEY },
        response: reply,
      },
      post: {
        format: "json",
        auth: { type: "basic", username: "gavel", password: BASIC_PASSWORD },
        body: { "*": "{{lead}}" },
        response: { accept: reply.accept },
      },
    },
  };
}

describe(`[${BACKEND}] secrets in the admin API`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness([bidder("alpha", 40)], (farm) => {
      const base = realtimeCampaign(farm, "alpha");
      const config: ConfigFile = {
        sources: [testSource({ postback: { url: POSTBACK_URL, method: "GET" } })],
        buyers: [{ id: "alpha", name: "Alpha Law", status: "active" }],
        campaigns: [
          base,
          {
            ...base,
            id: "webhooked",
            pricing: { type: "fixed", price: 10 },
            delivery: { type: "webhook", url: "https://buyer.example/hook", secret: WEBHOOK_SECRET },
          },
          templatedCampaign(base),
          {
            ...base,
            id: "preset",
            integration: {
              type: "preset",
              preset: "boberdoo",
              params: { key: PRESET_KEY, src: "GAVEL", lead_type: "7" },
            },
          },
        ],
      };
      delete config.campaigns![1]!.ping;
      delete config.campaigns![1]!.post;
      return config;
    });
  });
  after(async () => {
    await h?.close();
  });

  const live = (id: string) => h.gavel.exchange.config.campaignById.get(id)!;
  const assertNoSecret = (text: string, where: string) => {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows ${secret}`);
  };

  test("reads mask every secret, keep the rest, and show the last four characters", async () => {
    for (const path of [
      "/v1/admin/campaigns",
      "/v1/admin/campaigns/webhooked",
      "/v1/admin/campaigns/templated",
      "/v1/admin/campaigns/preset",
      "/v1/admin/config",
      "/v1/admin/sources",
      `/v1/admin/sources/${testSource().id}`,
    ]) {
      const answer = await h.admin("GET", path);
      assert.equal(answer.status, 200, path);
      assertNoSecret(JSON.stringify(answer.body), path);
    }
    const webhooked = (await h.admin("GET", "/v1/admin/campaigns/webhooked")).body;
    assert.equal(webhooked.delivery.secret, "••••••••••••WXYZ");
    assert.equal(webhooked.delivery.url, "https://buyer.example/hook");
    const templated = (await h.admin("GET", "/v1/admin/campaigns/templated")).body;
    assert.equal(templated.integration.ping.auth.token, "••••••••••••1706");
    assert.equal(templated.integration.ping.headers["X-Api-Key"], "••••••••••••8888");
    assert.equal(templated.integration.ping.headers["X-Request-Token"], "{{request_id}}", "a placeholder");
    assert.equal(templated.integration.ping.headers.Accept, "application/json");
    assert.equal(templated.integration.post.auth.username, "gavel");
    assert.equal(templated.integration.post.auth.password, "••••••••••••9876");
    const preset = (await h.admin("GET", "/v1/admin/campaigns/preset")).body;
    assert.deepEqual(preset.integration.params, { key: "••••••••••••5566", src: "GAVEL", lead_type: "7" });
  });

  test("a form saved without touching its secrets keeps them (the PUT's answer masked too)", async () => {
    for (const id of ["webhooked", "templated", "preset"]) {
      const read = (await h.admin("GET", `/v1/admin/campaigns/${id}`)).body;
      const saved = await h.admin("PUT", `/v1/admin/campaigns/${id}`, { ...read, name: `${id} renamed` });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assertNoSecret(JSON.stringify(saved.body), `PUT ${id}`);
      assert.equal(live(id).name, `${id} renamed`);
    }
    assert.equal((live("webhooked").delivery as { secret: string }).secret, WEBHOOK_SECRET);
    const integration = live("templated").integration as Extract<
      Campaign["integration"],
      { type: "templated" }
    >;
    assert.deepEqual(integration.ping?.auth, { type: "bearer", token: BEARER_TOKEN });
    assert.equal(integration.ping?.headers?.["X-Api-Key"], HEADER_KEY);
    assert.deepEqual(integration.post.auth, { type: "basic", username: "gavel", password: BASIC_PASSWORD });
    const preset = live("preset").integration as Extract<Campaign["integration"], { type: "preset" }>;
    assert.equal(preset.params.key, PRESET_KEY);
  });

  test("a source's postback token is masked when read and kept when the form is saved unchanged", async () => {
    const id = testSource().id;
    const read = (await h.admin("GET", `/v1/admin/sources/${id}`)).body;
    assert.equal(
      read.postback.url,
      "https://tracker.example/pb?click={sub_id}&token=••••••••••••5926&payout={price}",
    );
    const saved = await h.admin("PUT", `/v1/admin/sources/${id}`, { ...read, name: "renamed source" });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assertNoSecret(JSON.stringify(saved.body), "PUT source");
    const source = h.gavel.exchange.config.sourceById.get(id)!;
    assert.equal(source.name, "renamed source");
    assert.deepEqual(source.postback, { url: POSTBACK_URL, method: "GET" });
    // The audit trail of the edit names the change without the token.
    const audit = await h.admin("GET", "/v1/admin/audit");
    assert.equal(audit.status, 200);
    assertNoSecret(JSON.stringify(audit.body), "audit");

    const stale = await h.admin("PUT", `/v1/admin/sources/${id}`, {
      ...read,
      postback: { ...read.postback, url: read.postback.url.replace("5926", "0000") },
    });
    assert.equal(stale.status, 400, JSON.stringify(stale.body));
    assert.equal(stale.body.error.code, "GAVEL_VALIDATION");
    assert.equal(stale.body.error.field, "postback.url");
    assert.deepEqual(h.gavel.exchange.config.sourceById.get(id)!.postback, {
      url: POSTBACK_URL,
      method: "GET",
    });
  });

  test("a new secret replaces the old; a mask with no secret behind it is refused with its field", async () => {
    const read = (await h.admin("GET", "/v1/admin/campaigns/webhooked")).body;
    const changed = await h.admin("PUT", "/v1/admin/campaigns/webhooked", {
      ...read,
      delivery: { ...read.delivery, secret: "a-brand-new-signing-secret-0042" },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.delivery.secret, "••••••••••••0042");
    assert.equal(
      (live("webhooked").delivery as { secret: string }).secret,
      "a-brand-new-signing-secret-0042",
    );

    // The old mask no longer stands for what is stored; a new campaign has nothing stored at all.
    const stale = await h.admin("PUT", "/v1/admin/campaigns/webhooked", read);
    assert.equal(stale.status, 400, JSON.stringify(stale.body));
    assert.equal(stale.body.error.code, "GAVEL_VALIDATION");
    assert.equal(stale.body.error.field, "delivery.secret");
    const copied = await h.admin("PUT", "/v1/admin/campaigns/webhooked-copy", {
      ...read,
      id: "webhooked-copy",
    });
    assert.equal(copied.status, 400, JSON.stringify(copied.body));
    assert.equal(copied.body.error.field, "delivery.secret");
    assert.equal(h.gavel.exchange.config.campaignById.has("webhooked-copy"), false);
    assert.equal(
      (live("webhooked").delivery as { secret: string }).secret,
      "a-brand-new-signing-secret-0042",
    );
  });

  test("test this campaign: the request shown has its credentials masked wherever they went", async () => {
    for (const id of ["templated", "preset"]) {
      const tested = await h.admin("POST", `/v1/admin/campaigns/${id}/test-ping`, {});
      assert.equal(tested.status, 200, JSON.stringify(tested.body));
      const shown = JSON.stringify(tested.body.raw);
      assert.ok(shown.includes("••••"), `${id}: the request is shown, masked: ${shown}`);
      for (const secret of SECRETS) {
        for (const form of [secret, encodeURIComponent(secret)])
          assert.ok(!shown.includes(form), `${id} shows ${form}`);
      }
    }
  });
});
