// Alerts sent to the operator (settings.alerts.notify): each condition the alerts raise (src/console/alerts.ts) is put
// in the outbox once, as a signed webhook and/or an e-mail, and the outbox worker delivers it with its retries. Checked
// on a timer, not on each poll of the console. Each message's id is the condition's (kind and subject) and its
// occurrence: when an auto-pause happened, or else the repeat window it falls in (a day by default), so a condition
// that holds is sent again once a window, and every instance checking at once writes the same ids: the store keeps
// the first (enqueueOutbox ignores an id it has), so a condition is sent once whatever the number of instances.
//
// A condition this instance saw raised and then no longer sees is sent once as cleared (`alert.cleared`), its id made
// of the raise it clears, so instances that saw the same raise write the same id. Raised again in the same window after
// a clear, the new raise is an occurrence of its own (the cleared one's, one step on), so the operator's last message
// always says how things stand. What an instance did not see raised (it started after) it cannot clear: known only in
// memory, on purpose (a missed "cleared" costs a look at the console; a stored state would cost a write per check).
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

const conditionOf = (alert: Alert) => `${alert.kind}:${alert.subject.type}:${alert.subject.id}`;

const messageId = (condition: string, occurrence: string, channel: string) =>
  `alert-${createHash("sha256").update(`${condition}\u0000${occurrence}\u0000${channel}`).digest("hex").slice(0, 32)}`;

function channelsOf(notify: Notify): { kind: OutboxItem["kind"]; url: string }[] {
  return [
    ...(notify.webhook_url ? [{ kind: "alert_webhook" as const, url: notify.webhook_url }] : []),
    ...(notify.email_to?.length
      ? [{ kind: "alert_email" as const, url: `mailto:${notify.email_to.join(",")}` }]
      : []),
  ];
}

function outboxItem(
  id: string,
  kind: OutboxItem["kind"],
  url: string,
  alert: Alert,
  event: "alert.raised" | "alert.cleared",
  fields: object,
  now: number,
): OutboxItem {
  return {
    id,
    kind,
    owner_id: `${alert.subject.type}:${alert.subject.id}`,
    url,
    body: {
      event,
      alert_id: id,
      kind: alert.kind,
      severity: alert.severity,
      subject: alert.subject,
      ...fields,
    },
    timeout_ms: ALERT_TIMEOUT_MS,
    status: "pending" as const,
    attempts: 0,
    run_at: now,
    created_at: now,
  };
}

/** An alert raised, and the occurrence its messages are named by (see the header). */
export interface RaisedAlert {
  alert: Alert;
  occurrence: string;
}

/**
 * The outbox items for these alerts: one per alert and channel, each id fixed by the condition and its occurrence
 * (`occurrences` overrides the default one per condition: a raise after a clear in the same window).
 */
export function alertOutboxItems(
  alerts: readonly Alert[],
  notify: Notify,
  now: number,
  occurrences: ReadonlyMap<string, string> = new Map(),
): OutboxItem[] {
  const repeatMs = (notify.repeat_after_hours ?? DEFAULT_REPEAT_AFTER_HOURS) * HOUR_MS;
  const channels = channelsOf(notify);
  return alerts.flatMap((alert) => {
    const condition = conditionOf(alert);
    const occurrence = occurrences.get(condition) ?? occurrenceOf(alert, now, repeatMs);
    return channels.map((channel) => {
      const id = messageId(condition, occurrence, channel.kind);
      const fields = {
        message: alert.message,
        ...(alert.since ? { since: alert.since } : {}),
        raised_at: new Date(now).toISOString(),
      };
      return outboxItem(id, channel.kind, channel.url, alert, "alert.raised", fields, now);
    });
  });
}

/** The outbox items saying these raised alerts no longer hold: one per alert and channel, named by the raise. */
export function clearedOutboxItems(
  raised: readonly RaisedAlert[],
  notify: Notify,
  now: number,
): OutboxItem[] {
  const channels = channelsOf(notify);
  return raised.flatMap(({ alert, occurrence }) => {
    const condition = conditionOf(alert);
    return channels.map((channel) => {
      const fields = {
        message: `cleared: ${alert.message}`,
        clears: messageId(condition, occurrence, channel.kind),
        cleared_at: new Date(now).toISOString(),
      };
      return outboxItem(
        messageId(condition, `cleared:${occurrence}`, channel.kind),
        channel.kind,
        channel.url,
        alert,
        "alert.cleared",
        fields,
        now,
      );
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
  /** The conditions raised at the last check, by condition, with their occurrence: what a clear is told of. */
  #holding = new Map<string, RaisedAlert>();
  /** Each condition's last clear: a raise in the same window after it is the next occurrence. */
  #lastCleared = new Map<string, { occurrence: string; at: number }>();
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
    const now = this.#deps.now();
    const alerts = await this.#deps.alerts();
    const occurrences = this.#occurrences(alerts, notify, now);
    const current = new Set(alerts.map(conditionOf));
    const cleared = [...this.#holding].filter(([condition]) => !current.has(condition));
    for (const [condition, { occurrence }] of cleared)
      this.#lastCleared.set(condition, { occurrence, at: now });
    this.#holding = new Map(
      alerts.map((alert) => [
        conditionOf(alert),
        { alert, occurrence: occurrences.get(conditionOf(alert))! },
      ]),
    );
    const items = [
      ...alertOutboxItems(alerts, notify, now, occurrences),
      ...clearedOutboxItems(
        cleared.map(([, raised]) => raised),
        notify,
        now,
      ),
    ];
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

  /**
   * Each alert's occurrence: the one it was raised with while it holds in the same window; after a clear in the same
   * window, the cleared occurrence one step on; else the default (its window, or when an auto-pause happened).
   */
  #occurrences(alerts: readonly Alert[], notify: Notify, now: number): Map<string, string> {
    const repeatMs = (notify.repeat_after_hours ?? DEFAULT_REPEAT_AFTER_HOURS) * HOUR_MS;
    const occurrences = new Map<string, string>();
    for (const alert of alerts) {
      const condition = conditionOf(alert);
      const base = occurrenceOf(alert, now, repeatMs);
      const holding = this.#holding.get(condition)?.occurrence;
      const cleared = this.#lastCleared.get(condition)?.occurrence;
      const sameBase = (occurrence: string | undefined) =>
        occurrence !== undefined && occurrence.replace(/\+*$/, "") === base;
      occurrences.set(condition, sameBase(holding) ? holding! : sameBase(cleared) ? `${cleared}+` : base);
    }
    // A clear older than a repeat window no longer shares a raise's occurrence; one whose condition holds again is
    // carried by the holding occurrence.
    for (const [condition, { at }] of this.#lastCleared) {
      if (occurrences.has(condition) || now - at > repeatMs) this.#lastCleared.delete(condition);
    }
    return occurrences;
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
