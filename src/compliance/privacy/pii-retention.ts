// The retention purge (docs/privacy.md): blanks the PII of leads older than their vertical's retention (sold: days
// after the sale; unsold: days after it arrived), keeping hashes, non-PII fields, traces and money. Runs off the
// request path, in small batches (each one short transaction) with a pause between them, so it never stalls traffic.
// Every instance may run it: the store hands concurrent purges different leads (PostgreSQL: SKIP LOCKED).
import type { Logger } from "pino";
import type { Retention } from "../../domain/config-schema.ts";
import type { LeadRecord } from "../../domain/records.ts";
import type { Vertical } from "../../domain/vertical.ts";
import type { ConfigSnapshot } from "../../engine/config-snapshot.ts";
import type { PrivacyPort } from "../../store/ports.ts";
import { piiRedaction } from "./pii-redaction.ts";

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  store: PrivacyPort;
  config: () => ConfigSnapshot;
  log: Logger;
  now: () => number;
  /** How often a pass starts (default 10 minutes). */
  intervalMs?: number;
  /**
   * Leads per batch, one transaction each (default 50: with encryption on, a batch opens and reseals 100 values on the
   * event loop, about 10 ms).
   */
  batchSize?: number;
  /** Pause between batches, so requests interleave with the purge (default 50 ms). */
  pauseMs?: number;
}

/** How many days a vertical's leads of one status keep their PII: the vertical's setting, else the default. */
export function retentionDays(
  vertical: Vertical,
  defaults: Retention | undefined,
  status: LeadRecord["status"],
): number | undefined {
  const key = status === "sold" ? "sold_days" : "unsold_days";
  return vertical.retention?.[key] ?? defaults?.[key];
}

export class PiiRetention {
  readonly #options: RetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(options: RetentionOptions) {
    this.#options = options;
  }

  /** Starts the schedule: a first pass soon after start, then one per interval. */
  start(): void {
    this.#schedule(5_000);
  }

  /** Stops the schedule and waits for a pass under way (it stops after its current batch). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => {});
  }

  /** One pass over every vertical and status; resolves to how many leads it purged. */
  purgeNow(): Promise<number> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.purgeNow()
        .catch((error: unknown) => this.#options.log.error({ err: error }, "PII retention purge failed"))
        .finally(() => this.#schedule(this.#options.intervalMs ?? 600_000));
    }, delayMs);
    this.#timer.unref();
  }

  async #pass(): Promise<number> {
    const { store, config, now } = this.#options;
    const limit = this.#options.batchSize ?? 50;
    let purged = 0;
    const snapshot = config();
    const redact = piiRedaction(snapshot);
    for (const vertical of snapshot.verticals) {
      for (const status of ["sold", "unsold"] as const) {
        const days = retentionDays(vertical, snapshot.settings.retention, status);
        if (days === undefined) continue;
        const selection = { vertical: vertical.id, status, created_before: now() - days * DAY_MS, limit };
        for (;;) {
          if (this.#stopped) return purged;
          const batch = await store.purgeExpiredPii(selection, redact, now());
          purged += batch;
          if (batch < limit) break;
          await new Promise((resolve) => setTimeout(resolve, this.#options.pauseMs ?? 50));
        }
      }
    }
    if (purged > 0) this.#options.log.info({ purged }, "PII retention purge blanked leads past retention");
    return purged;
  }
}
