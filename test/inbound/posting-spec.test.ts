// The hosted posting spec: a source reads it with its key, and the example requests it shows work as written against
// the running exchange, in every flavour.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BACKEND, type Harness, OTHER_SOURCE_KEY, SOURCE_KEY } from "../helpers/exchange-harness.ts";
import { startInboundHarness } from "./inbound-harness.ts";

describe(`[${BACKEND}] hosted posting spec`, () => {
  let h: Harness;
  // biome-ignore lint/suspicious/noExplicitAny: the spec is read as JSON
  let spec: any;

  before(async () => {
    h = await startInboundHarness(
      { "21": "personal_injury" },
      { source: { inbound: { fields: { Injury: "injury_type" } } }, settings: { replay_guard_s: 60 } },
    );
    const reply = await fetch(`${h.gavel.url}/v1/posting-spec/personal_injury`, {
      headers: { authorization: `Bearer ${SOURCE_KEY}` },
    });
    assert.equal(reply.status, 200);
    spec = await reply.json();
  });
  after(() => h?.close());

  test("fields with type, values and where they are required; each platform's names, the source's own first", () => {
    const zip = spec.fields.find((field: { name: string }) => field.name === "zip");
    assert.equal(zip.type, "zip");
    assert.equal(zip.required_on_ping, true);
    assert.deepEqual(zip.also_named, { boberdoo: "Zip", leadspedia: "zip_code", lead_prosper: "zip_code" });
    const email = spec.fields.find((field: { name: string }) => field.name === "email");
    assert.equal(email.required_on_ping, false, "personal data never goes on a ping");
    assert.equal(email.required_on_post, true);
    const injury = spec.fields.find((field: { name: string }) => field.name === "injury_type");
    assert.ok(injury.values.includes("fracture"));
    assert.equal(injury.also_named.boberdoo, "Injury", "the source's own map");
    assert.equal(spec.endpoints.boberdoo.TYPE, "21", "its own campaign id for the vertical");
  });

  test("the examples work as written: boberdoo form ping and post, LeadsPedia ping, Lead Prosper ping, native ping", async () => {
    const fill = (text: string) => text.replaceAll("%3Cyour+API+key%3E", encodeURIComponent(SOURCE_KEY));
    const form = { "content-type": "application/x-www-form-urlencoded" };

    const boberdooPing = await fetch(`${h.gavel.url}/new_api/api.php`, {
      method: "POST",
      headers: form,
      body: fill(spec.examples.boberdoo.ping.request),
    }).then((r) => r.text());
    assert.match(boberdooPing, /<status>Matched<\/status><lead_id>([^<]+)<\/lead_id><price>24.00<\/price>/);
    const leadId = /<lead_id>([^<]+)<\/lead_id>/.exec(boberdooPing)?.[1] ?? "";
    const post = new URLSearchParams(fill(spec.examples.boberdoo.post.request));
    post.set("Lead_ID", leadId);
    const boberdooPost = await fetch(`${h.gavel.url}/new_api/api.php`, {
      method: "POST",
      headers: form,
      body: post.toString(),
    }).then((r) => r.text());
    assert.match(boberdooPost, /<status>Matched<\/status>/, boberdooPost);

    // The replay guard is on: each flavour's example ping uses its own sub-id, as separate sellers would.
    const leadspedia = new URLSearchParams(fill(spec.examples.leadspedia.ping.request));
    leadspedia.set("lp_s1", "leadspedia");
    const lpPing = await fetch(`${h.gavel.url}/ping.do`, {
      method: "POST",
      headers: form,
      body: leadspedia.toString(),
    });
    assert.equal(((await lpPing.json()) as { result: string }).result, "success");

    const prosper = await fetch(`${h.gavel.url}/leadprosper/ping`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ...spec.examples.lead_prosper.ping.request,
        lp_key: SOURCE_KEY,
        lp_subid1: "prosper",
      }),
    });
    assert.equal(((await prosper.json()) as { status: string }).status, "ACCEPTED");

    const native = await h.call("/v1/ping", { ...spec.examples.native.ping.request, sub_id: "native" });
    assert.equal(native.status, 200);
    assert.equal(native.body.status, "bid");
  });

  test("from the source portal: a source user's session reads its own spec", async () => {
    const user = {
      email: "source@example.com",
      role: "source",
      party_id: "src-main",
      password: "correct horse battery",
    };
    const created = await h.admin("POST", "/v1/console/users", user);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const login = await fetch(`${h.gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await fetch(`${h.gavel.url}/v1/posting-spec/personal_injury?format=html`, {
      headers: { cookie },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Main source/);
  });

  test("the OpenAPI description lists the compatible endpoints and the posting spec", async () => {
    const reply = await fetch(`${h.gavel.url}/docs/json`);
    assert.equal(reply.status, 200);
    const openapi = (await reply.json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const path of [
      "/new_api/api.php",
      "/apiJSON.php",
      "/ping.do",
      "/post.do",
      "/leadprosper/direct_post",
    ]) {
      assert.deepEqual(openapi.paths[path]?.post?.tags, ["inbound"], path);
    }
    assert.ok(openapi.paths["/v1/posting-spec/{vertical}"]?.get);
  });

  test("as a page; refused without the source's key; an unknown vertical is 404", async () => {
    const page = await fetch(`${h.gavel.url}/v1/posting-spec/personal_injury?format=html`, {
      headers: { authorization: `Bearer ${SOURCE_KEY}` },
    });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const html = await page.text();
    assert.match(html, /<code>injury_type<\/code>/);
    assert.match(html, /new_api\/api\.php/);

    const stranger = await fetch(`${h.gavel.url}/v1/posting-spec/personal_injury`, {
      headers: { authorization: `Bearer ${OTHER_SOURCE_KEY}` },
    });
    assert.equal(stranger.status, 401);
    assert.equal(((await stranger.json()) as { error: { code: string } }).error.code, "GAVEL_UNAUTHORIZED");
    const unknown = await fetch(`${h.gavel.url}/v1/posting-spec/nope`, {
      headers: { authorization: `Bearer ${SOURCE_KEY}` },
    });
    assert.equal(unknown.status, 404);
  });
});
