// Alerts sent to the operator (settings.alerts.notify): each condition the alerts raise (src/console/alerts.ts) is put
// in the outbox once, as a signed webhook and/or an e-mail, and the outbox worker delivers it with its retries. Checked
// on a timer, not on each poll of the console. Each message's id is the condition's (kind and subject) and its
// occurrence: when an auto-pause happened, or else the repeat window it falls in (a day by default), so a condition
// that holds is sent again once a window, and every instance checking at once writes the same ids: the store keeps
// the first (enqueueOutbox ignores an id it has), so a condition is sent once whatever the number of instances.
import { createHash } from "node:crypto";
import type { Settings } from "../domain/config-schema.ts";
import type { OutboxItem } from "../domain/records.ts";
import type { OutboxPort } from "../store/ports.ts";
import type { Alert } from "./alerts.ts";

type Notify = NonNullable<NonNullable<Settings["alerts"]>["notify"]>;

export const DEFAULT_CHECK_EVERY_S = 60;
export const DEFAULT_REPEAT_AFTER_HOURS = 24;
const HOUR_MS = 3_600_000;
/** An alert message is small and its receiver the operator's own: a short timeout, the outbox retries. */
const ALERT_TIMEOUT_MS = 5_000;

/** The occurrence of a condition: when it began where the alert knows (an auto-pause), else its repeat window. */
function occurrenceOf(alert: Alert, now: number, repeatMs: number): string {
  if (alert.kind === "buyer_auto_paused" && alert.since) return `at:${alert.since}`;
  return `window:${Math.floor(now / repeatMs)}`;
}

/** The outbox items for these alerts: one per alert and channel, each id fixed by the condition and its occurrence. */
export function alertOutboxItems(alerts: readonly Alert[], notify: Notify, now: number): OutboxItem[] {
  const repeatMs = (notify.repeat_after_hours ?? DEFAULT_REPEAT_AFTER_HOURS) * HOUR_MS;
  const channels: { kind: OutboxItem["kind"]; url: string }[] = [
    ...(notify.webhook_url ? [{ kind: "alert_webhook" as const, url: notify.webhook_url }] : []),
    ...(notify.email_to?.length
      ? [{ kind: "alert_email" as const, url: `mailto:${notify.email_to.join(",")}` }]
      : []),
  ];
  return alerts.flatMap((alert) => {
    const condition = `${alert.kind}:${alert.subject.type}:${alert.subject.id}`;
    const occurrence = occurrenceOf(alert, now, repeatMs);
    return channels.map((channel) => {
      const id = `alert-${createHash("sha256").update(`${condition}\u0000${occurrence}\u0000${channel.kind}`).digest("hex").slice(0, 32)}`;
      return {
        id,
        kind: channel.kind,
        owner_id: `${alert.subject.type}:${alert.subject.id}`,
        url: channel.url,
        body: {
          event: "alert.raised",
          alert_id: id,
          kind: alert.kind,
          severity: alert.severity,
          subject: alert.subject,
          message: alert.message,
          ...(alert.since ? { since: alert.since } : {}),
          raised_at: new Date(now).toISOString(),
        },
        timeout_ms: ALERT_TIMEOUT_MS,
        status: "pending" as const,
        attempts: 0,
        run_at: now,
        created_at: now,
      };
    });
  });
}

export interface AlertNotifierDeps {
  /** The alerts now (what GET /v1/admin/alerts answers). */
  alerts: () => Promise<Alert[]>;
  /** settings.alerts.notify now (the configuration may change between checks). */
  notify: () => Notify | undefined;
  store: Pick<OutboxPort, "enqueueOutbox">;
  wakeOutbox?: () => void;
  now: () => number;
  log: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}

/** Checks the alerts on a timer and puts each new one in the outbox. */
export class AlertNotifier {
  readonly #deps: AlertNotifierDeps;
  /** Ids this instance already wrote (or found written): not written again while their condition holds. */
  #sent = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(deps: AlertNotifierDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One check: answers how many alert messages were new in the outbox. */
  async check(): Promise<number> {
    const notify = this.#deps.notify();
    if (!notify || (!notify.webhook_url && !notify.email_to?.length)) return 0;
    const items = alertOutboxItems(await this.#deps.alerts(), notify, this.#deps.now());
    const fresh = items.filter((item) => !this.#sent.has(item.id));
    // Forget what no longer holds, so the set stays as small as the alerts.
    this.#sent = new Set(items.map((item) => item.id));
    if (fresh.length === 0) return 0;
    const added = await this.#deps.store.enqueueOutbox(fresh);
    if (added > 0) {
      this.#deps.log.info({ alerts: added }, "alerts sent to the outbox");
      this.#deps.wakeOutbox?.();
    }
    return added;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const everyS = this.#deps.notify()?.check_every_s ?? DEFAULT_CHECK_EVERY_S;
    this.#timer = setTimeout(() => {
      this.check()
        .catch((error: unknown) => {
          // Written ids were not all kept: try them again next time.
          this.#sent.clear();
          this.#deps.log.warn({ err: error }, "checking alerts to send failed");
        })
        .finally(() => this.#schedule());
    }, everyS * 1000);
    this.#timer.unref();
  }
}
