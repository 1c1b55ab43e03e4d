// Where a buyer hears that it won, lost or was refunded a lead (JSON POSTs through the outbox, never PII): a URL, the
// events (none ticked: all three) and an optional timeout. An empty URL removes the notices.
import { DraftInput, NumberInput } from "./draft-input.tsx";
import { compact, defineEditor, hasOnlyKeys } from "./structured-editor.ts";

const EVENTS = ["win", "loss", "refund"] as const;
type NoticeEvent = (typeof EVENTS)[number];

interface Notices {
  url: string;
  events?: NoticeEvent[];
  timeout_ms?: number;
}

export const noticesEditor = defineEditor<Notices>({
  fits: (value): value is Notices | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["url", "events", "timeout_ms"]) &&
      typeof value.url === "string" &&
      (value.events === undefined ||
        (Array.isArray(value.events) &&
          value.events.every((event) => EVENTS.includes(event as NoticeEvent)))) &&
      (value.timeout_ms === undefined || typeof value.timeout_ms === "number")),
  check(value) {
    if (value === undefined) return undefined;
    if (!/^https?:\/\/\S+$/.test(value.url)) return "URL: an http(s) address the buyer receives notices at";
    if (value.timeout_ms !== undefined && !(value.timeout_ms >= 100 && value.timeout_ms <= 25_000))
      return "timeout: from 100 to 25000 ms";
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    const update = (next: Partial<Notices>) => {
      const merged = compact({ ...value, ...next }) as Notices | undefined;
      onChange(merged?.url ? merged : undefined);
    };
    const events = new Set(value?.events ?? []);
    return (
      <div className="editor-rows">
        <div className="editor-row">
          <DraftInput
            name={`${name}.url`}
            aria-label="notice URL"
            placeholder="https://buyer.example/gavel-notices (empty: none)"
            value={value?.url}
            show={(url) => url ?? ""}
            read={(text) => text.trim() || undefined}
            onChange={(url) => update({ url: url ?? "" })}
          />
        </div>
        {value !== undefined && (
          <div className="editor-row">
            <span>events (none ticked: all)</span>
            {EVENTS.map((event) => (
              <label key={event} className="choice">
                <input
                  type="checkbox"
                  name={`${name}.events.${event}`}
                  checked={events.has(event)}
                  onChange={(change) => {
                    const next = EVENTS.filter((e) => (e === event ? change.target.checked : events.has(e)));
                    update({ events: next.length > 0 ? next : undefined });
                  }}
                />
                {event}
              </label>
            ))}
            <span className="choice">
              timeout (ms)
              <NumberInput
                aria-label="timeout (ms)"
                name={`${name}.timeout_ms`}
                value={value.timeout_ms}
                onChange={(timeout) => update({ timeout_ms: timeout })}
              />
            </span>
          </div>
        )}
      </div>
    );
  },
});
