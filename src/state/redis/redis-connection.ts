// One Redis connection tuned for the request path: startup fails fast when Redis is unreachable; once running, a
// command never waits in a queue for a connection that is gone (it fails at once, or after the command timeout), and
// the client reconnects by itself, with capped backoff, when Redis comes back.
import { type Command, Redis, type RedisOptions } from "ioredis";

export interface RedisConnectionOptions {
  /** redis:// or rediss:// URL; credentials and database index may be part of it. */
  url: string;
  /** How long one command may take before it fails. */
  commandTimeoutMs: number;
  /** CLIENT SETNAME, so operators (and tests) can find these connections in CLIENT LIST. */
  connectionName: string;
  /** Connection errors while running (lost connection, failed reconnect); the client keeps reconnecting. */
  onError?: (error: Error) => void;
}

export interface RedisConnection {
  client: Redis;
  /** host:port, for messages (never the URL: it may hold a password). */
  address: string;
  /** Why the connection is not usable right now, or undefined when it is ready. */
  unavailableReason(): string | undefined;
}

/** The whole of startup (TCP connect, handshake, ready check) must fit in this; then connect() rejects. */
const CONNECT_DEADLINE_MS = 3_000;
const RECONNECT_FIRST_DELAY_MS = 50;
const RECONNECT_MAX_DELAY_MS = 2_000;

/** Connects and resolves once Redis answers; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>`. */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const address = redisAddress(options.url);
  let lastError: Error | undefined;
  const client = new RequestPathRedis(options.commandTimeoutMs, options.url, {
    lazyConnect: true,
    connectionName: options.connectionName,
    connectTimeout: CONNECT_DEADLINE_MS - 500,
    // A socket that does not close by itself after disconnect() is destroyed this soon (default 2 s keeps a process
    // that is shutting down alive).
    disconnectTimeout: 200,
    // No `commandTimeout`: ioredis fails a command from a timer, and after a busy stretch of this process Node runs
    // expired timers before it reads its sockets, so a reply that came back in a millisecond would be failed as timed
    // out (seen at load 17: event-loop delay p99 ~1 s, Redis answering in 20 ms). RequestPathRedis times commands itself.
    // Commands issued while disconnected fail at once instead of waiting for a reconnect that may never come.
    enableOfflineQueue: false,
    // A command cut off by a lost connection fails at once (not after the command timeout) and is never replayed:
    // replayed after its caller gave up, it could claim a post nobody carries out.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) =>
      Math.min(RECONNECT_FIRST_DELAY_MS * 2 ** (attempt - 1), RECONNECT_MAX_DELAY_MS),
  });
  // Without a listener, an "error" event would crash the process.
  client.on("error", (error: Error) => {
    lastError = error;
    options.onError?.(error);
  });
  client.on("ready", () => {
    lastError = undefined;
  });

  let deadline: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(
          () => reject(new Error(`no answer within ${CONNECT_DEADLINE_MS} ms`)),
          CONNECT_DEADLINE_MS,
        );
      }),
    ]);
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${address}: ${errorReason(lastError ?? error)}`, {
      cause: lastError ?? error,
    });
  } finally {
    clearTimeout(deadline);
  }

  return {
    client,
    address,
    unavailableReason: () => {
      if (client.status === "ready") return undefined;
      const state = CONNECTION_STATES[client.status] ?? `connection ${client.status}`;
      return lastError ? `${state} (${errorReason(lastError)})` : state;
    },
  };
}

/**
 * The request path's client: its commands of one turn of the event loop leave in one write, and a command fails as
 * timed out only when its reply has not arrived.
 *
 * One write: the socket is corked at the first command of a turn and uncorked in that turn's check phase
 * (setImmediate), after every I/O callback of the turn and its promise continuations have run. Several requests
 * answered by one read from Redis, or several HTTP requests read in one turn, go on to their next commands in that
 * turn; sent together, Redis reads them in one wake-up, and the exchange makes one write system call for them. On an
 * otherwise idle Redis, a wake-up costs it far more than the commands a script runs (a lone GET ~12 µs of Redis CPU,
 * ~30 µs with a pause between requests, against ~0.2 µs for a command inside a script). A lightly loaded exchange has
 * one callback a turn, so its commands wait for nothing; under load they wait for the rest of the turn's callbacks
 * (bench/README.md: uncorking at process.nextTick, at the end of the callback, coalesced less and saved Redis less).
 * Unlike ioredis's auto-pipelining (dropped: see bench/README.md), no command waits for another's answer: each is
 * written at the end of the turn it was asked in, and its timeout runs from when it was asked.
 *
 * Timeouts: as ioredis's `commandTimeout`, but with one timer for every command in flight (they all have the same
 * timeout, so they time out in the order asked), and the check waits for the check phase after the timer, which
 * follows a poll of the sockets: a process starved of CPU must not fail a reply already waiting in its socket (a cap
 * reserve failed so answered a lead 503 under load; test/distributed/caps.test.ts).
 */
class RequestPathRedis extends Redis {
  readonly #commandTimeoutMs: number;
  /**
   * Commands asked and not yet seen answered, in the order asked, and when each was asked (monotonic ms): every
   * command has the same timeout, so they time out in this order, and one timer watches them all (a timer per
   * command was an object, a timer-list entry and, a second later, a callback and an immediate, for every command).
   */
  readonly #watched: Command[] = [];
  readonly #askedAt: number[] = [];
  /** The first entry of #watched still looked at; those before it are done with. */
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #check = () => this.#checkTimeouts();

  constructor(commandTimeoutMs: number, url: string, options: RedisOptions & { replyMapping?: "legacy" }) {
    super(url, options);
    this.#commandTimeoutMs = commandTimeoutMs;
  }

  override sendCommand(command: Command, stream?: Parameters<Redis["sendCommand"]>[1]): unknown {
    const socket = this.stream;
    // writableCorked > 0: already corked this turn (ioredis itself never corks).
    if (!stream && socket?.writable && socket.writableCorked === 0) {
      socket.cork();
      setImmediate(uncork, socket);
    }
    const reply = super.sendCommand(command, stream);
    if (!command.isSettled) {
      this.#watched.push(command);
      this.#askedAt.push(performance.now());
      this.#timer ??= setTimeout(this.#check, this.#commandTimeoutMs);
    }
    return reply;
  }

  /**
   * Fails the commands whose timeout has passed unanswered, and sets the timer for the next one to time out, at least
   * TIMEOUT_CHECK_SPACING_MS on (a command may so fail that much after its timeout, never before).
   */
  #checkTimeouts(): void {
    this.#timer = undefined;
    const watched = this.#watched;
    const askedAt = this.#askedAt;
    const now = performance.now();
    let head = this.#head;
    let expired: Command[] | undefined;
    for (; head < watched.length; head++) {
      const command = watched[head]!;
      if (command.isSettled) continue;
      if (askedAt[head]! + this.#commandTimeoutMs > now) break;
      expired ??= [];
      expired.push(command);
    }
    if (head === watched.length) {
      watched.length = 0;
      askedAt.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= watched.length) {
      watched.splice(0, head);
      askedAt.splice(0, head);
      head = 0;
    }
    this.#head = head;
    // Failed in the check phase after this timer, which follows a poll of the sockets: a reply already waiting in the
    // socket of a process starved of CPU is read first.
    if (expired) setImmediate(failIfUnanswered, expired);
    if (head < watched.length) {
      const due = askedAt[head]! + this.#commandTimeoutMs - now;
      this.#timer = setTimeout(this.#check, Math.max(due, TIMEOUT_CHECK_SPACING_MS));
    }
  }
}

/** The least time between two looks at the commands' timeouts: under load, one look per this many ms, not per command. */
const TIMEOUT_CHECK_SPACING_MS = 20;

function failIfUnanswered(commands: readonly Command[]): void {
  for (const command of commands) {
    if (!command.isSettled) command.reject(new Error("Command timed out"));
  }
}

function uncork(socket: Redis["stream"]): void {
  socket.uncork();
}

const CONNECTION_STATES: Record<string, string> = {
  connecting: "connecting",
  connect: "connecting",
  close: "connection lost, reconnecting",
  reconnecting: "connection lost, reconnecting",
  end: "connection closed",
};

/** host:port of a Redis URL, never its password (for messages and the start-up line). */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "127.0.0.1"}:${parsed.port || "6379"}`;
  } catch {
    return "an invalid URL";
  }
}

function errorReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorReason(error.errors[0]);
  if (error instanceof Error) return error.message || ("code" in error ? String(error.code) : error.name);
  return String(error);
}
