// Pieces every screen uses: the error and loading lines, a status badge, a keyset pager.
import { ApiError, OFFLINE_MESSAGE } from "../api.ts";

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
