// Each bought lead to the firm's own tools: its CRM by webhook, signed the way Gavel signs its own webhooks
// (Gavel-Signature, HMAC of the timestamp and the body; verifyWebhookSignature in src/deliveries/webhook-signature.ts is
// the receiver's recipe), and/or by e-mail through the firm's SMTP server (the exchange's own mailer and message:
// src/deliveries/smtp-mailer.ts, deliveryEmail in src/deliveries/campaign-deliveries.ts). Each channel's delivery row
// is written with the lead, and retried with backoff until it is taken or its attempts run out, so a crash between
// buying and delivering only delays the delivery. Failures are recorded by status or code, never with the lead.
import { deliveryEmail } from "../deliveries/campaign-deliveries.ts";
import { smtpFailure } from "../deliveries/outbox-senders.ts";
import type { Mailer } from "../deliveries/smtp-mailer.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook } from "../deliveries/webhook-signature.ts";
import type { BidderConfig } from "./bidder-config.ts";
import type { BidderStore, DeliveryChannel, DueDelivery } from "./bidder-store.ts";

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_ATTEMPTS = 10;
const BATCH = 20;
const IDLE_POLL_MS = 1000;
const MAX_BACKOFF_MS = 10 * 60_000;

export interface CrmDeliveryOptions {
  webhook?: NonNullable<BidderConfig["crm_webhook"]>;
  email?: { config: NonNullable<BidderConfig["crm_email"]>; mailer: Mailer };
  store: BidderStore;
  now: () => number;
  /** First retry after this (doubling each time); tests make it short. */
  firstRetryMs?: number;
}

export class CrmDelivery {
  readonly #options: CrmDeliveryOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: CrmDeliveryOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedule(0);
  }

  /** A lead was just bought: deliver now rather than at the next poll. */
  wake(): void {
    if (!this.#running && !this.#stopped) this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    this.#options.email?.mailer.close();
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#drain().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(IDLE_POLL_MS);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    const { store, now } = this.#options;
    for (const delivery of store.dueDeliveries(now(), BATCH)) {
      if (this.#stopped) return;
      const error = await this.#send(delivery);
      const at = now();
      if (error === undefined) {
        store.markDelivered(delivery.id, at);
        continue;
      }
      const attempts = delivery.attempts + 1;
      const backoff = Math.min((this.#options.firstRetryMs ?? 1000) * 2 ** (attempts - 1), MAX_BACKOFF_MS);
      const retryAt = attempts >= this.#maxAttempts(delivery.channel) ? undefined : at + backoff;
      store.markFailed(delivery.id, error, at, retryAt);
    }
  }

  #maxAttempts(channel: DeliveryChannel): number {
    const configured =
      channel === "webhook" ? this.#options.webhook?.max_attempts : this.#options.email?.config.max_attempts;
    return configured ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** undefined when the channel took it; else what went wrong, for the delivery row. */
  #send(delivery: DueDelivery): Promise<string | undefined> {
    return delivery.channel === "email" ? this.#sendEmail(delivery) : this.#sendWebhook(delivery);
  }

  async #sendWebhook(delivery: DueDelivery): Promise<string | undefined> {
    const { webhook } = this.#options;
    if (!webhook) return "no crm_webhook is configured any more";
    try {
      const response = await fetch(webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signWebhook(webhook.secret, Math.floor(Date.now() / 1000), delivery.body),
          [DELIVERY_HEADER]: `bidder-${delivery.id}`,
        },
        body: delivery.body,
        signal: AbortSignal.timeout(webhook.timeout_ms ?? DEFAULT_TIMEOUT_MS),
        redirect: "manual",
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message.slice(0, 200) : "request failed";
    }
  }

  async #sendEmail(delivery: DueDelivery): Promise<string | undefined> {
    const { email } = this.#options;
    if (!email) return "no crm_email is configured any more";
    const deliveryId = `bidder-${delivery.id}`;
    const bought = JSON.parse(delivery.body) as Record<string, unknown> & { lead: Record<string, unknown> };
    const message = deliveryEmail({
      ...bought,
      lead_id: delivery.leadId,
      delivery_id: deliveryId,
      campaign_id: bought.campaign,
      consent: {},
    });
    try {
      await email.mailer.send({
        to: email.config.to,
        subject: message.subject,
        text: message.text,
        attachments: [message.attachment],
        // The same Message-ID on every retry, so the firm's mailbox can tell a repeat.
        messageId: deliveryId,
        headers: { [DELIVERY_HEADER]: deliveryId },
      });
      return undefined;
    } catch (failure) {
      return smtpFailure(failure);
    }
  }
}
