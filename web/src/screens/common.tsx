// Pieces every screen uses: the error and loading lines, a status badge, a keyset pager, a copy button.
import { useState } from "react";
import { ApiError, OFFLINE_MESSAGE } from "../api.ts";

/** How many characters of an id a list shows. */
const SHORT_ID_LENGTH = 12;

/**
 * An id cut short for a list: its last characters. Lead and auction ids are time-ordered (UUIDv7): their first 12
 * characters are the time to 16 ms, the same for every lead of that moment, so a list of a busy exchange's leads would
 * show one short id for many; the last 12 are random (48 bits). Older random (v4) ids are random at both ends.
 */
export function shortId(id: string): string {
  return id.slice(-SHORT_ID_LENGTH);
}

/** Whether a typed id names this one: the whole id, or an end of it such as shortId shows (4 characters at least). */
export function idMatches(id: string, typed: string): boolean {
  return id === typed || (typed.length >= 4 && id.endsWith(typed));
}

export function Problem({ error }: { error: Error | undefined }) {
  if (!error) return null;
  if (error instanceof ApiError && error.status === 403) {
    return (
      <p className="problem" data-testid="forbidden">
        Not allowed: your account may not see this page.
      </p>
    );
  }
  if (error instanceof ApiError && error.status === 404) {
    return (
      <p className="problem" data-testid="not-found">
        Not found.
      </p>
    );
  }
  if (error instanceof ApiError && error.status === 401) {
    return (
      <p className="problem" data-testid="session-problem">
        Your session has ended: log in again.
      </p>
    );
  }
  // A screen that gave up waiting (AbortError) or any other non-API failure: say so plainly, never the raw name.
  if (!(error instanceof ApiError) && (error.name === "AbortError" || error.name === "TypeError"))
    return <p className="problem">{OFFLINE_MESSAGE}</p>;
  return (
    <p className="problem" data-testid="problem">
      {error.message}
    </p>
  );
}

export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value.replaceAll(" ", "_")}`}>{value.replaceAll("_", " ")}</span>;
}

/**
 * Keyset paging: `cursors` holds the `before` of each page seen so far, so the back button goes back one and the
 * forward button follows the server's next_before. The buttons say Newer and Older unless the order is another.
 */
export function Pager(props: {
  cursors: string[];
  next?: string;
  onChange: (cursors: string[]) => void;
  labels?: { back: string; forward: string };
}) {
  const { cursors, next, onChange, labels = { back: "Newer", forward: "Older" } } = props;
  return (
    <div className="pager">
      <button type="button" disabled={cursors.length === 0} onClick={() => onChange(cursors.slice(0, -1))}>
        ← {labels.back}
      </button>
      <span>page {cursors.length + 1}</span>
      <button type="button" disabled={!next} onClick={() => next && onChange([...cursors, next])}>
        {labels.forward} →
      </button>
    </div>
  );
}

/** One figure, large, with what it is underneath. */
export function Tile({ label, value, id }: { label: string; value: string; id?: string }) {
  return (
    <div className="tile">
      <div className="tile-value" data-testid={id}>
        {value}
      </div>
      <div className="tile-label">{label}</div>
    </div>
  );
}

/**
 * Copies `text` (a new key shown once) to the clipboard. The Clipboard API needs a secure context (https, or this
 * machine); elsewhere the text is selected and copied the older way, so the button works on a plain-http intranet too.
 */
export function CopyButton({
  text,
  label = "Copy",
  testId,
}: {
  text: string;
  label?: string;
  testId?: string;
}) {
  const [copied, setCopied] = useState<"yes" | "no">();
  const copy = async () => {
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
      else if (!copyBySelection(text)) throw new Error("copy refused");
      setCopied("yes");
    } catch {
      setCopied("no");
    }
    setTimeout(() => setCopied(undefined), 2_000);
  };
  return (
    <button type="button" className="secondary copy" data-testid={testId} onClick={copy} aria-live="polite">
      {copied === "yes" ? "Copied" : copied === "no" ? "Select and copy by hand" : label}
    </button>
  );
}

function copyBySelection(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } finally {
    area.remove();
  }
}
