// Drains the outbox: sends each due item by its kind (an HTTP postback to a source, a signed webhook or an e-mail
// delivering a sold lead to a buyer; see src/deliveries/outbox-senders.ts), retries failures with exponential backoff,
// and gives up into a dead-letter state after MAX_ATTEMPTS (replayable from the admin API). Runs in every instance; the
// store's claim guarantees that no item is handed to two workers at once, and its lease that an item a dead worker was
// sending is sent again: at least once, never lost. A live worker records each result before its lease lapses (it
// retries a write the store failed, see #record), so an item is sent a second time only when its worker died, or the
// receiver took it but did not answer in time.
import type { Logger } from "pino";
import type { BuyerHttpClient } from "../buyers/buyer-http-client.ts";
import { DeliveryFailure, type OutboxSender, outboxSenders } from "../deliveries/outbox-senders.ts";
import type { Mailer } from "../deliveries/smtp-mailer.ts";
import type { OutboxItem, OutboxKind, OutboxSettlement } from "../domain/records.ts";
import type { LeadsPort, OutboxPort } from "../store/ports.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";

const POLL_INTERVAL_MS = 250;
const BATCH_SIZE = 20;
/** Longer than any delivery's timeout, so a lease only lapses when its worker died. */
const LEASE_MARGIN_MS = 30_000;
/** The longest one attempt may take (an item asking for more gets this): well inside the lease. */
const MAX_ATTEMPT_MS = 25_000;
/** Recording a result the store failed to write is tried again after this, doubling up to SETTLE_RETRY_MAX_MS. */
const SETTLE_RETRY_FIRST_MS = 100;
const SETTLE_RETRY_MAX_MS = 2_000;
const MAX_RETRY_MS = 3_600_000;

export interface RetryPolicy {
  /** Attempts before an item is dead-lettered (default 8: about four minutes of retries). */
  maxAttempts: number;
  /** Delay before the first retry; each later one doubles (default 1 s). */
  firstRetryMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, firstRetryMs: 1_000 };

export class OutboxWorker {
  readonly #store: OutboxPort & LeadsPort;
  readonly #senders: Record<OutboxKind, OutboxSender>;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #retry: RetryPolicy;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: {
    store: OutboxPort & LeadsPort;
    client: BuyerHttpClient;
    log: Logger;
    /** The configuration now, for the webhook secrets (without it webhook items fail). */
    config?: () => ConfigSnapshot;
    /** The SMTP mailer (without it e-mail items fail). */
    mailer?: Mailer;
    /** Signs alert webhooks (without it they fail). */
    alertWebhookSecret?: string;
    now?: () => number;
    retry?: RetryPolicy;
  }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    this.#retry = deps.retry ?? DEFAULT_RETRY_POLICY;
    this.#senders = outboxSenders({
      client: deps.client,
      store: deps.store,
      ...(deps.config ? { config: deps.config } : {}),
      ...(deps.mailer ? { mailer: deps.mailer } : {}),
      ...(deps.alertWebhookSecret ? { alertWebhookSecret: deps.alertWebhookSecret } : {}),
      now: this.#now,
      maxTimeoutMs: MAX_ATTEMPT_MS,
    });
  }

  start(): void {
    this.#schedule(0);
  }

  /** Asks for a drain soon: something was just enqueued. */
  wake(): void {
    if (!this.#stopped && !this.#running) this.#schedule(0);
  }

  /** Stops polling and waits for the deliveries in progress (their results are recorded). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** Claims and delivers due items until none is left. Resolves to how many were attempted. */
  async drain(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const items = await this.#store.claimOutbox(this.#now(), BATCH_SIZE, LEASE_MARGIN_MS);
      if (items.length === 0) return attempted;
      attempted += items.length;
      await Promise.all(items.map((item) => this.#deliver(item)));
      if (this.#stopped) return attempted;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.drain()
        .catch((error: unknown) => this.#log.warn({ err: error }, "outbox drain failed; retrying"))
        .then(() => {
          this.#running = undefined;
          if (!this.#stopped) this.#schedule(POLL_INTERVAL_MS);
        });
    }, delayMs);
    this.#timer.unref();
  }

  async #deliver(item: OutboxItem): Promise<void> {
    await this.#record(item, await this.#attempt(item));
  }

  /**
   * Records an attempt's result, trying again while the claim's lease holds (a claimed item's run_at is its lease's
   * end). One failed write must not make a delivered item due again: on a loaded machine PostgreSQL's pool can stay
   * busy past its 3 s wait for a connection, and a result dropped then let the lease lapse, and the next claim, of any
   * instance, send the item a second time. The store fences the write by the lease, so a result recorded after another
   * claim took the item over changes nothing.
   */
  async #record(item: OutboxItem, settlement: OutboxSettlement): Promise<void> {
    for (let waitMs = SETTLE_RETRY_FIRST_MS; ; waitMs = Math.min(SETTLE_RETRY_MAX_MS, waitMs * 2)) {
      try {
        if (!(await this.#store.settleOutbox(item.id, item.run_at, settlement))) {
          // The lease lapsed and another claim took the item over, or it was replayed, or an earlier try of this write
          // committed though its answer was lost: the item's state is not this attempt's to set.
          this.#log.warn(
            { outbox_id: item.id, kind: item.kind },
            "outbox result not recorded: the claim no longer holds",
          );
        }
        return;
      } catch (error) {
        // Past the lease another worker may claim the item: it will be sent again (at least once, never lost).
        if (this.#stopped || this.#now() + waitMs >= item.run_at) {
          this.#log.warn({ err: error, outbox_id: item.id }, "recording an outbox delivery failed");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  async #attempt(item: OutboxItem): Promise<OutboxSettlement> {
    let error: string;
    try {
      const send = this.#senders[item.kind];
      if (!send) throw new DeliveryFailure(`unknown outbox kind ${item.kind}`);
      await send(item);
      return { status: "done", at: this.#now() };
    } catch (failure) {
      error = failure instanceof DeliveryFailure ? failure.message : `unexpected: ${String(failure)}`;
      // Kind, ids and the reason only: an item's message may carry the lead.
      if (!(failure instanceof DeliveryFailure))
        this.#log.warn(
          { err: failure, outbox_id: item.id, kind: item.kind },
          "outbox send failed unexpectedly",
        );
    }
    if (item.attempts >= this.#retry.maxAttempts) {
      this.#log.warn(
        { outbox_id: item.id, kind: item.kind, owner_id: item.owner_id, error },
        "outbox dead letter",
      );
      return { status: "dead", error };
    }
    return {
      status: "pending",
      run_at: this.#now() + retryDelayMs(item.attempts, this.#retry.firstRetryMs),
      error,
    };
  }
}

/** 1 s, 2 s, 4 s ... capped at an hour, with ±20 % jitter so a recovering receiver is not hit all at once. */
export function retryDelayMs(attempts: number, firstRetryMs: number): number {
  const base = Math.min(MAX_RETRY_MS, firstRetryMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
