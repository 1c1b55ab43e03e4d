// The optional MX lookup of lead validation (`validation.check_mx`): does the e-mail's domain receive mail? An MX
// record, or failing that an A/AAAA record (RFC 5321 §5.1: a domain without MX receives mail at its address), says
// yes; a domain that does not exist or has neither says no. A lookup that times out or fails says nothing (undefined)
// and judges no lead. Answers are cached (an hour; a failure 1 minute), and each lookup is bounded by a short timeout.
import { Resolver } from "node:dns/promises";

/** The part of node:dns's Resolver the check uses (a test passes its own, or one pointed at a local server). */
export interface MxResolver {
  resolveMx(domain: string): Promise<unknown[]>;
  resolve4(domain: string): Promise<unknown[]>;
  resolve6(domain: string): Promise<unknown[]>;
}

export interface MxCheckOptions {
  resolver?: MxResolver;
  /** Per query (node:dns `timeout`); default 500 ms, one try. */
  timeoutMs?: number;
  /** How long an answer is kept; default an hour. */
  ttlMs?: number;
  /** Domains kept (the oldest answer is dropped first); default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/** DNS answers that mean "there is no such record" rather than "the lookup failed". */
const NO_RECORD = new Set(["ENODATA", "ENOTFOUND"]);
const FAILURE_TTL_MS = 60_000;

export class MxCheck {
  readonly #resolver: MxResolver;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { answer: boolean | undefined; until: number }>();
  /** Lookups under way, so a burst of leads at one domain asks once. */
  readonly #pending = new Map<string, Promise<boolean | undefined>>();

  constructor(options: MxCheckOptions = {}) {
    this.#resolver = options.resolver ?? new Resolver({ timeout: options.timeoutMs ?? 500, tries: 1 });
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** true: the domain receives mail; false: it cannot; undefined: the lookup failed (judge nothing). */
  async domainReceivesMail(domain: string): Promise<boolean | undefined> {
    const cached = this.#cache.get(domain);
    if (cached && cached.until > this.#now()) return cached.answer;
    const pending = this.#pending.get(domain);
    if (pending) return pending;
    const lookup = this.#lookup(domain).finally(() => this.#pending.delete(domain));
    this.#pending.set(domain, lookup);
    return lookup;
  }

  async #lookup(domain: string): Promise<boolean | undefined> {
    const answer = await this.#ask(domain);
    this.#cache.delete(domain);
    if (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(domain, {
      answer,
      until: this.#now() + (answer === undefined ? FAILURE_TTL_MS : this.#ttlMs),
    });
    return answer;
  }

  async #ask(domain: string): Promise<boolean | undefined> {
    const has = async (query: (name: string) => Promise<unknown[]>): Promise<boolean | undefined> => {
      try {
        return (await query(domain)).length > 0;
      } catch (error) {
        const code = (error as { code?: string }).code;
        return code !== undefined && NO_RECORD.has(code) ? false : undefined;
      }
    };
    const mx = await has((name) => this.#resolver.resolveMx(name));
    if (mx !== false) return mx;
    const [a, aaaa] = await Promise.all([
      has((name) => this.#resolver.resolve4(name)),
      has((name) => this.#resolver.resolve6(name)),
    ]);
    if (a || aaaa) return true;
    return a === false && aaaa === false ? false : undefined;
  }
}
