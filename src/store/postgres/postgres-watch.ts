// LISTEN/NOTIFY: how a change made through one instance (configuration, a suppression list, deposits) reaches every
// other instance sharing the database.

import pg from "pg";
import type { SharedChange, SuppressionHash } from "../store.ts";
import { clientConfig, type PostgresStoreOptions } from "./postgres-connection.ts";

export const CONFIG_CHANNEL = "gavel_config";
const WATCH_BACKOFF_MIN_MS = 500;
const WATCH_BACKOFF_MAX_MS = 5000;
/** How often the LISTEN connection proves it is alive; a silently dead one would miss every change. */
const WATCH_HEARTBEAT_MS = 10_000;

/** Keeps one dedicated connection LISTENing for configuration changes, reconnecting with backoff when it drops. */
export class ConfigWatcher {
  readonly #options: PostgresStoreOptions;
  readonly #onChange: (change: SharedChange | undefined) => void;
  /** The origin this instance signs its own notifications with (see madeHere). */
  readonly #origin: string | undefined;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #backoffMs = WATCH_BACKOFF_MIN_MS;
  #stopped = false;

  constructor(
    options: PostgresStoreOptions,
    onChange: (change: SharedChange | undefined) => void,
    origin?: string,
  ) {
    this.#options = options;
    this.#onChange = onChange;
    this.#origin = origin;
  }

  /** The first connection must succeed (fail fast at startup); later drops are retried for as long as it runs. */
  async start(): Promise<void> {
    await this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(clientConfig(this.#options));
    // Errors while setting up reject below; once listening, any error or end means: reconnect.
    let live = false;
    const drop = () => {
      if (!live) return;
      live = false;
      clearInterval(this.#heartbeat);
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
      this.#retry();
    };
    client.on("error", drop);
    client.on("end", drop);
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
      const schema = rows[0]?.schema ?? "";
      client.on("notification", (message) => {
        const payload = message.payload ?? "";
        if (message.channel !== CONFIG_CHANNEL || !payload.startsWith(`${schema}:`)) return;
        const text = payload.slice(schema.length + 1);
        if (this.#origin !== undefined && madeHere(text, this.#origin)) return;
        this.#changed(sharedChange(text));
      });
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    live = true;
    this.#client = client;
    this.#backoffMs = WATCH_BACKOFF_MIN_MS;
    this.#heartbeat = setInterval(() => {
      client.query("SELECT 1").catch(drop);
    }, WATCH_HEARTBEAT_MS).unref();
  }

  #retry(): void {
    if (this.#stopped) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, WATCH_BACKOFF_MAX_MS);
    this.#timer = setTimeout(() => {
      this.#listen().then(
        // Changes made while the connection was down were not heard: reload everything once to catch up.
        () => {
          if (!this.#stopped) this.#changed(undefined);
        },
        () => this.#retry(),
      );
    }, delay);
    this.#timer.unref();
  }

  #changed(change: SharedChange | undefined): void {
    try {
      this.#onChange(change);
    } catch {
      // The watcher outlives a failing callback; the next change calls it again.
    }
  }
}

/**
 * Whether a notification announces a suppression list change this instance made itself: its index took the change as
 * it wrote it, and a change too large to carry its hashes would otherwise have it read the whole list back (100,000
 * rows after an import, parsed on the event loop while its auctions wait: buyers timed out at load ~15). Other topics
 * are still heard from oneself, as before.
 */
function madeHere(text: string, origin: string): boolean {
  try {
    const change = JSON.parse(text) as { topic?: unknown; origin?: unknown };
    return change.topic === "suppressions" && change.origin === origin;
  } catch {
    return false;
  }
}

/** What a notification says changed; undefined (reload everything) for one this release does not know. */
function sharedChange(text: string): SharedChange | undefined {
  try {
    const change = JSON.parse(text) as SharedChange;
    if (change.topic === "config" || change.topic === "funds") return { topic: change.topic };
    if (change.topic === "suppressions" && typeof change.list === "string") {
      const { list, added, removed } = change;
      // Hashes that are not plainly hashes: read the whole list instead.
      if (!hashesOrAbsent(added) || !hashesOrAbsent(removed)) return { topic: "suppressions", list };
      return { topic: "suppressions", list, ...(added ? { added } : {}), ...(removed ? { removed } : {}) };
    }
  } catch {
    // Not JSON: an older release's payload.
  }
  return undefined;
}

function hashesOrAbsent(value: unknown): value is SuppressionHash[] | undefined {
  return (
    value === undefined ||
    (Array.isArray(value) &&
      value.every(
        (hash: SuppressionHash) =>
          (hash?.kind === "email" || hash?.kind === "phone") && /^[0-9a-f]{64}$/.test(String(hash.sha256)),
      ))
  );
}
