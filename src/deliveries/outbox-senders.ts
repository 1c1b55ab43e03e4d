// How the outbox worker sends each kind of item: a source postback (HTTP GET or POST), a signed webhook, an e-mail.
// A sender resolves when the receiver took the item and throws a DeliveryFailure saying why not; the worker owns
// retries, backoff and the dead letter. Failures name a status or a code, never the message (it may carry the lead).
import { type BuyerHttpClient, BuyerTransportError } from "../buyers/buyer-http-client.ts";
import type { LeadRecord, OutboxItem, OutboxKind } from "../domain/records.ts";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";
import type { LeadsPort } from "../store/ports.ts";
import { deliveryEmail, deliveryMessage, emailRecipients, webhookSecret } from "./campaign-deliveries.ts";
import type { Mailer } from "./smtp-mailer.ts";
import { signWebhook } from "./webhook-signature.ts";

/** Why an attempt failed, as recorded on the item (its `last_error`). */
export class DeliveryFailure extends Error {
  override readonly name = "DeliveryFailure";
}

export type OutboxSender = (item: OutboxItem) => Promise<void>;

export function outboxSenders(deps: {
  client: BuyerHttpClient;
  store: LeadsPort;
  /** The configuration now: a webhook is signed with its campaign's current secret. */
  config?: () => ConfigSnapshot;
  /** Absent when no SMTP server is configured: e-mail items then fail (and can be replayed once one is). */
  mailer?: Mailer;
  /** Signs alert webhooks (GAVEL_ALERT_WEBHOOK_SECRET); absent: alert webhooks fail until it is set. */
  alertWebhookSecret?: string;
  now: () => number;
  /** Longest an HTTP attempt may take, whatever an item asks: below the claim's lease, so no lease lapses mid-send. */
  maxTimeoutMs: number;
}): Record<OutboxKind, OutboxSender> {
  const http = async (
    item: OutboxItem,
    request: { method: "GET" | "POST"; body?: string; headers?: Record<string, string> },
  ): Promise<void> => {
    // The query apart from the URL: the client caches parsed URLs, and a postback's query differs per lead.
    const [url, query] = splitQuery(item.url);
    let status: number;
    try {
      const response = await deps.client.send({
        ...request,
        url,
        ...(query ? { query } : {}),
        timeoutMs: Math.min(item.timeout_ms, deps.maxTimeoutMs),
      });
      status = response.status;
    } catch (failure) {
      if (failure instanceof BuyerTransportError)
        throw new DeliveryFailure(`${failure.failure}: ${failure.message}`);
      throw failure;
    }
    if (status < 200 || status >= 300) throw new DeliveryFailure(`HTTP ${status}`);
  };

  const leadOf = async (item: OutboxItem): Promise<LeadRecord> => {
    const lead = await deps.store.getLead(String(item.body.lead_id));
    if (!lead) throw new DeliveryFailure(`lead ${String(item.body.lead_id)} is no longer stored`);
    return lead;
  };

  return {
    source_postback: (item) =>
      item.method === "GET"
        ? http(item, { method: "GET" })
        : http(item, { method: "POST", body: JSON.stringify(item.body) }),

    // Win, loss and refund notices to buyers: JSON, no PII (see src/engine/buyer-notices.ts).
    buyer_notice: (item) => http(item, { method: "POST", body: JSON.stringify(item.body) }),

    webhook: async (item) => {
      const secret = webhookSecret(deps.config?.().campaignById.get(item.owner_id));
      if (!secret) throw new DeliveryFailure(`campaign ${item.owner_id} no longer delivers by webhook`);
      const body = JSON.stringify(deliveryMessage(item, await leadOf(item)));
      // Signed at each attempt: a retry carries a fresh timestamp, so it passes the receiver's replay window.
      const signature = signWebhook(secret, Math.floor(deps.now() / 1000), body);
      await http(item, {
        method: "POST",
        body,
        headers: { "gavel-signature": signature, "gavel-delivery": item.id, "gavel-event": "lead.delivered" },
      });
    },

    email: async (item) => {
      if (!deps.mailer)
        throw new DeliveryFailure("no SMTP server is configured (the configuration file's smtp)");
      const email = deliveryEmail(deliveryMessage(item, await leadOf(item)));
      try {
        await deps.mailer.send({
          to: emailRecipients(item),
          subject: email.subject,
          text: email.text,
          attachments: [email.attachment],
          messageId: item.id,
          headers: { "Gavel-Delivery": item.id },
        });
      } catch (failure) {
        throw new DeliveryFailure(smtpFailure(failure));
      }
    },

    // An alert for the operator (src/console/alert-notifier.ts): its JSON, no PII (alerts name parties, not leads).
    alert_webhook: async (item) => {
      if (!deps.alertWebhookSecret)
        throw new DeliveryFailure("GAVEL_ALERT_WEBHOOK_SECRET is not set: alert webhooks cannot be signed");
      const body = JSON.stringify(item.body);
      const signature = signWebhook(deps.alertWebhookSecret, Math.floor(deps.now() / 1000), body);
      await http(item, {
        method: "POST",
        body,
        headers: { "gavel-signature": signature, "gavel-delivery": item.id, "gavel-event": alertEvent(item) },
      });
    },

    alert_email: async (item) => {
      if (!deps.mailer)
        throw new DeliveryFailure("no SMTP server is configured (the configuration file's smtp)");
      const alert = item.body as {
        severity?: string;
        message?: string;
        raised_at?: string;
        cleared_at?: string;
      };
      const cleared = alertEvent(item) === "alert.cleared";
      try {
        await deps.mailer.send({
          to: emailRecipients(item),
          // "Gavel cleared: cleared: …" would say it twice: the cleared message already starts with the word.
          subject: `Gavel ${cleared ? "" : `${alert.severity ?? "alert"}: `}${alert.message ?? ""}`.slice(
            0,
            200,
          ),
          text: cleared
            ? `${alert.message ?? ""}\n\nCleared at ${alert.cleared_at ?? ""}.\n`
            : `${alert.message ?? ""}\n\nRaised at ${alert.raised_at ?? ""}.\n`,
          attachments: [{ filename: "alert.json", content: JSON.stringify(item.body, null, 2) }],
          messageId: item.id,
          headers: { "Gavel-Delivery": item.id, "Gavel-Event": alertEvent(item) },
        });
      } catch (failure) {
        throw new DeliveryFailure(smtpFailure(failure));
      }
    },
  };
}

function splitQuery(url: string): [string, string | undefined] {
  const at = url.indexOf("?");
  return at < 0 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1) || undefined];
}

/** The SMTP reply code and nodemailer's error code (ECONNECTION, ETIMEDOUT, EAUTH...), not the whole text. */
export function smtpFailure(failure: unknown): string {
  if (!(failure instanceof Error)) return "SMTP: unknown error";
  const { code, responseCode } = failure as Error & { code?: string; responseCode?: number };
  return `SMTP ${[responseCode, code].filter((part) => part !== undefined).join(" ") || failure.name}`;
}

/** An alert message's event: raised, or cleared (src/console/alert-notifier.ts). */
function alertEvent(item: OutboxItem): "alert.raised" | "alert.cleared" {
  return (item.body as { event?: string }).event === "alert.cleared" ? "alert.cleared" : "alert.raised";
}
