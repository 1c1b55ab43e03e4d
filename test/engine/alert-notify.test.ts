// Alerts sent to the operator through the outbox (settings.alerts.notify), over real HTTP and SMTP, on both backends:
// a buyer out of funds is raised once to a signed webhook and once by e-mail, not again at each check while it holds;
// a second condition (a source sending a rotated key) is a message of its own; a condition that no longer holds (the
// buyer's deposit) is sent once as cleared; nothing is sent without `notify`.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AlertNotifier, alertOutboxItems } from "../../src/console/alert-notifier.ts";
import type { Alert } from "../../src/console/alerts.ts";
import { sendDirect } from "../helpers/engine-steps.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { HttpReceiver } from "../helpers/http-receiver.ts";
import { mailHeader, SmtpSink } from "../helpers/smtp-sink.ts";

const SECRET = "alert_secret_0123456789abcdef";

interface AlertMessage {
  event: string;
  alert_id: string;
  kind: string;
  severity: string;
  subject: { type: string; id: string };
  message: string;
  raised_at?: string;
  cleared_at?: string;
  clears?: string;
}

describe(`[${BACKEND}] alerts sent by webhook and e-mail`, () => {
  const hook = new HttpReceiver({ secret: SECRET });
  const smtp = new SmtpSink();
  let h: Harness;
  const previousSecret = process.env.GAVEL_ALERT_WEBHOOK_SECRET;

  before(async () => {
    await Promise.all([hook.start(), smtp.start()]);
    process.env.GAVEL_ALERT_WEBHOOK_SECRET = SECRET;
    h = await startHarness([bidder("alpha", 40), bidder("broke", 60)], (farm) => ({
      smtp: { host: "127.0.0.1", port: smtp.port, from: "Gavel <alerts@gavel.test>" },
      settings: {
        alerts: {
          source_auth_failures: 2,
          notify: { webhook_url: hook.url, email_to: ["ops@exchange.test"], check_every_s: 1 },
        },
      },
      sources: [testSource()],
      buyers: [
        { id: "alpha", name: "Alpha", status: "active" },
        { id: "broke", name: "Broke", status: "active", funds: { credit_limit: 0 } },
      ],
      campaigns: [realtimeCampaign(farm, "alpha"), realtimeCampaign(farm, "broke")],
    }));
  });
  after(async () => {
    await h?.close();
    await Promise.all([hook.stop(), smtp.stop()]);
    if (previousSecret === undefined) delete process.env.GAVEL_ALERT_WEBHOOK_SECRET;
    else process.env.GAVEL_ALERT_WEBHOOK_SECRET = previousSecret;
  });

  const messages = (kind: string) =>
    hook.requests
      .map((request) => JSON.parse(request.body) as AlertMessage)
      .filter((message) => message.kind === kind);

  test("a buyer out of funds: one signed webhook and one e-mail, not one per check", async () => {
    const [sent] = await eventually(
      async () => (messages("buyer_out_of_funds").length > 0 ? messages("buyer_out_of_funds") : undefined),
      "the out-of-funds alert at the webhook",
      15_000,
    );
    assert.equal(sent!.severity, "critical");
    assert.deepEqual(sent!.subject, { type: "buyer", id: "broke" });
    assert.match(sent!.message, /broke is out of funds/);
    const request = hook.requests.find((r) => r.body.includes('"buyer_out_of_funds"'))!;
    assert.equal(request.signature?.ok, true, "signed with GAVEL_ALERT_WEBHOOK_SECRET");
    assert.equal(request.headers["gavel-event"], "alert.raised");
    assert.equal(request.headers["gavel-delivery"], sent!.alert_id);
    const mail = await eventually(
      async () => smtp.messages.find((m) => m.raw.includes("broke is out of funds")),
      "the out-of-funds alert by e-mail",
      15_000,
    );
    assert.match(mailHeader(mail.raw, "subject") ?? "", /Gavel critical: broke is out of funds/);
    assert.deepEqual(mail.to, ["ops@exchange.test"]);
    // Three more checks while the condition holds: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    assert.equal(messages("buyer_out_of_funds").length, 1, "raised once");
    assert.equal(smtp.messages.filter((m) => m.raw.includes("broke is out of funds")).length, 1);
    const outbox = (await h.admin("GET", "/v1/admin/outbox?limit=100")).body.items as {
      kind: string;
      status: string;
    }[];
    assert.deepEqual(
      outbox
        .filter((item) => item.kind.startsWith("alert_"))
        .map((item) => [item.kind, item.status])
        .toSorted(),
      [
        ["alert_email", "done"],
        ["alert_webhook", "done"],
      ],
    );
  });

  test("a new condition is a message of its own", async () => {
    // A lead under the key first (the counter learns whose key it is), then the key is rotated away.
    assert.equal((await sendDirect(h)).status, 200);
    await h.admin("POST", "/v1/admin/sources/src-main/rotate-key");
    for (let i = 0; i < 2; i++) assert.equal((await sendDirect(h)).status, 401);
    const [sent] = await eventually(
      async () =>
        messages("source_auth_failures").length > 0 ? messages("source_auth_failures") : undefined,
      "the refused-key alert",
      15_000,
    );
    assert.deepEqual(sent!.subject, { type: "source", id: "src-main" });
    assert.equal(messages("buyer_out_of_funds").length, 1, "the first alert is not sent again");
  });
  test("a condition that no longer holds is sent once as cleared, naming the raise it clears", async () => {
    await eventually(
      async () => (messages("buyer_out_of_funds").length > 0 ? true : undefined),
      "the out-of-funds alert",
      15_000,
    );
    const deposit = await h.admin("POST", "/v1/admin/buyers/broke/deposits", { amount: 500 });
    assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
    const cleared = await eventually(
      async () => messages("buyer_out_of_funds").find((message) => message.event === "alert.cleared"),
      "the cleared message at the webhook",
      15_000,
    );
    const [raised] = messages("buyer_out_of_funds");
    assert.equal(raised!.event, "alert.raised");
    assert.equal(cleared.clears, raised!.alert_id);
    assert.match(cleared.message, /^cleared: broke is out of funds/);
    assert.ok(cleared.cleared_at);
    const request = hook.requests.find((r) => r.body.includes('"alert.cleared"'))!;
    assert.equal(request.headers["gavel-event"], "alert.cleared");
    assert.equal(request.signature?.ok, true);
    const mail = await eventually(
      async () => smtp.messages.find((m) => m.raw.includes("cleared: broke is out of funds")),
      "the cleared message by e-mail",
      15_000,
    );
    assert.match(mailHeader(mail.raw, "subject") ?? "", /^Gavel cleared: broke is out of funds/);
    // Later checks send nothing more for it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(messages("buyer_out_of_funds").length, 2, "raised once, cleared once");
  });
});

test("message ids: one per condition, occurrence and channel; the same on every instance", () => {
  const outOfFunds: Alert = {
    kind: "buyer_out_of_funds",
    severity: "critical",
    subject: { type: "buyer", id: "broke" },
    message: "broke is out of funds",
  };
  const notify = { webhook_url: "https://ops.example/hook", email_to: ["ops@example.com"] };
  const now = Date.parse("2026-12-06T10:00:00Z");
  const first = alertOutboxItems([outOfFunds], notify, now);
  assert.deepEqual(
    first.map((item) => [item.kind, item.url]),
    [
      ["alert_webhook", "https://ops.example/hook"],
      ["alert_email", "mailto:ops@example.com"],
    ],
  );
  // Another instance, a minute later: the same ids (the store keeps one of each).
  assert.deepEqual(
    alertOutboxItems([outOfFunds], notify, now + 60_000).map((item) => item.id),
    first.map((item) => item.id),
  );
  // A day later (the repeat window), the condition still holding: new ids, sent again.
  const nextDay = alertOutboxItems([outOfFunds], notify, now + 86_400_000).map((item) => item.id);
  assert.ok(nextDay.every((id) => !first.some((item) => item.id === id)));
  // Another buyer: other ids. An auto-pause is told apart by when it happened.
  const other = alertOutboxItems([{ ...outOfFunds, subject: { type: "buyer", id: "other" } }], notify, now);
  assert.ok(other.every((item) => !first.some((f) => f.id === item.id)));
  const paused = (since: string): Alert => ({
    kind: "buyer_auto_paused",
    severity: "critical",
    subject: { type: "buyer", id: "flaky" },
    message: "flaky was paused",
    since,
  });
  const [a] = alertOutboxItems(
    [paused("2026-12-06T09:00:00.000Z")],
    { webhook_url: notify.webhook_url },
    now,
  );
  const [b] = alertOutboxItems(
    [paused("2026-12-06T09:30:00.000Z")],
    { webhook_url: notify.webhook_url },
    now,
  );
  assert.notEqual(a!.id, b!.id, "a second auto-pause is a second alert");
});

test("raised, cleared, raised again and cleared again in one window: each a message, the same on every instance", async () => {
  const outOfFunds: Alert = {
    kind: "buyer_out_of_funds",
    severity: "critical",
    subject: { type: "buyer", id: "broke" },
    message: "broke is out of funds",
  };
  const start = Date.parse("2026-12-06T10:00:00Z");
  // What the alerts answer at each check (a minute apart): it holds, holds, clears, holds again, clears again.
  const timeline = [[outOfFunds], [outOfFunds], [], [outOfFunds], [], []];
  const instance = () => {
    const written: { id: string; event: string; clears?: string }[] = [];
    let check = 0;
    const notifier = new AlertNotifier({
      alerts: async () => timeline[check]!,
      notify: () => ({ webhook_url: "https://ops.example/hook" }),
      store: {
        enqueueOutbox: async (items) => {
          for (const item of items) {
            const body = item.body as { event: string; clears?: string };
            written.push({ id: item.id, event: body.event, ...(body.clears ? { clears: body.clears } : {}) });
          }
          return items.length;
        },
      },
      now: () => start + check * 60_000,
      log: { info() {}, warn() {} },
    });
    return {
      written,
      run: async () => {
        for (check = 0; check < timeline.length; check++) await notifier.check();
      },
    };
  };
  const one = instance();
  await one.run();
  assert.deepEqual(
    one.written.map((message) => message.event),
    ["alert.raised", "alert.cleared", "alert.raised", "alert.cleared"],
  );
  const [raised, cleared, raisedAgain, clearedAgain] = one.written;
  assert.equal(cleared!.clears, raised!.id);
  assert.equal(clearedAgain!.clears, raisedAgain!.id);
  assert.equal(
    new Set(one.written.map((message) => message.id)).size,
    4,
    "four ids: none is kept back as seen",
  );
  // Another instance that saw the same checks writes the same ids (the outbox keeps one of each).
  const two = instance();
  await two.run();
  assert.deepEqual(
    two.written.map((message) => message.id),
    one.written.map((message) => message.id),
  );
});
