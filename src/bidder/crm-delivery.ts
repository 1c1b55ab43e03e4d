// Each bought lead to the firm's CRM by webhook: signed the way Gavel signs its own webhooks (Gavel-Signature, HMAC of
// the timestamp and the body; verifyWebhookSignature in src/deliveries/webhook-signature.ts is the receiver's
// recipe), retried with backoff until the CRM answers 2xx or the attempts run out. The delivery row is written with
// the lead, so a crash between buying and delivering only delays the delivery.
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook } from "../deliveries/webhook-signature.ts";
import type { BidderConfig } from "./bidder-config.ts";
import type { BidderStore } from "./bidder-store.ts";

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_ATTEMPTS = 10;
const BATCH = 20;
const IDLE_POLL_MS = 1000;
const MAX_BACKOFF_MS = 10 * 60_000;

export interface CrmDeliveryOptions {
  webhook: NonNullable<BidderConfig["crm_webhook"]>;
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
    const { store, now, webhook } = this.#options;
    for (const delivery of store.dueDeliveries(now(), BATCH)) {
      if (this.#stopped) return;
      const error = await this.#send(delivery.id, delivery.body);
      const at = now();
      if (error === undefined) {
        store.markDelivered(delivery.id, at);
        continue;
      }
      const attempts = delivery.attempts + 1;
      const backoff = Math.min((this.#options.firstRetryMs ?? 1000) * 2 ** (attempts - 1), MAX_BACKOFF_MS);
      const retryAt = attempts >= (webhook.max_attempts ?? DEFAULT_MAX_ATTEMPTS) ? undefined : at + backoff;
      store.markFailed(delivery.id, error, at, retryAt);
    }
  }

  /** undefined when the CRM took it; else what went wrong, for the delivery row. */
  async #send(id: number, body: string): Promise<string | undefined> {
    const { webhook } = this.#options;
    try {
      const response = await fetch(webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signWebhook(webhook.secret, Math.floor(Date.now() / 1000), body),
          [DELIVERY_HEADER]: `bidder-${id}`,
        },
        body,
        signal: AbortSignal.timeout(webhook.timeout_ms ?? DEFAULT_TIMEOUT_MS),
        redirect: "manual",
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message.slice(0, 200) : "request failed";
    }
  }
}
