// Duplicate checks over the duplicate windows: the replay guard (the same lead from the same source moments ago), the
// vertical's system-wide check (a consumer sold to any buyer within the lookback) and each buyer's own check (a
// consumer this buyer bought within its dedupe_days). Consumers are matched on hashed, normalised contacts only.

import { sha256Hex } from "../compliance/sha256-hex.ts";
import {
  type ContactHashes,
  leadContactHashes,
  parseContactHash,
} from "../compliance/suppression/suppression-hash.ts";
import type { Source } from "../domain/config-schema.ts";
import { type LeadRecord, salesOf } from "../domain/records.ts";
import type { LeadValues, Vertical } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import {
  type DuplicateWindows,
  type ScopedKeys,
  scopedKeyTexts,
} from "../state/duplicates/duplicate-windows.ts";
import type { LeadsPort } from "../store/ports.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";

const DAY_MS = 86_400_000;

/** What the replay guard fingerprints. */
export interface ReplayRequest {
  kind: "ping" | "direct";
  source: Source;
  vertical: Vertical;
  /** The lead's non-PII values (buildPingPayload's, which the auction sends buyers): the fingerprint's lead. */
  pingPayload: LeadValues;
  subId: string | undefined;
  contact: ContactHashes;
}

/** A request's mark in the replay window: `first` when this request made it (else the request is a replay). */
export interface ReplayMark {
  key: string;
  first: boolean;
  kind: ReplayRequest["kind"];
  seconds: number;
}

/** 409 GAVEL_DUPLICATE: the same request from the same source within the replay window. */
export function replayRefusal(mark: ReplayMark): GavelError {
  return new GavelError(
    "GAVEL_DUPLICATE",
    `This source sent the same ${mark.kind === "ping" ? "ping" : "lead"} within the last ${mark.seconds} s`,
  );
}

/** Trace details of a duplicate. */
export const SOLD_IN_VERTICAL = "sold in this vertical within its lookback";
export const BOUGHT_BY_BUYER = "bought by this buyer within its dedupe_days";
export class DuplicateChecks {
  readonly #windows: DuplicateWindows;

  constructor(windows: DuplicateWindows) {
    this.#windows = windows;
  }

  /**
   * Refuses (409 GAVEL_DUPLICATE) the same request from the same source within the configured window: the same
   * non-PII lead, contact hashes, vertical and sub_id. Off when `replay_guard_s` is 0 or not set.
   */
  async guardReplay(config: ConfigSnapshot, request: ReplayRequest): Promise<void> {
    const mark = await this.markReplay(config, request);
    if (mark && !mark.first) throw replayRefusal(mark);
  }

  /**
   * The replay guard's mark, without refusing: `first` false when the request is a replay (`replayRefusal` says so).
   * Undefined when the guard is off. A request refused for another reason gives its mark back (`forgetReplay`).
   */
  async markReplay(config: ConfigSnapshot, request: ReplayRequest): Promise<ReplayMark | undefined> {
    const seconds = config.settings.replay_guard_s;
    if (!seconds) return undefined;
    const fingerprint = sha256Hex(
      canonicalJson({
        kind: request.kind,
        vertical: request.vertical.id,
        sub_id: request.subId ?? null,
        lead: request.pingPayload,
        contact: request.contact,
      }),
    );
    const key = `r:${request.source.id}:${fingerprint}`;
    const first = await this.#windows.firstSeen(key, seconds * 1000);
    return { key, first, kind: request.kind, seconds };
  }

  /** Takes back a mark this request made (it was refused otherwise): the same lead sent again is not a replay. */
  async forgetReplay(mark: ReplayMark | undefined): Promise<void> {
    if (mark?.first) await this.#windows.forget(mark.key);
  }

  /** The buyers (among those with campaigns in the vertical and a dedupe_days) who bought this consumer recently. */
  async buyersWhoBought(
    config: ConfigSnapshot,
    verticalId: string,
    contact: ContactHashes,
  ): Promise<ReadonlySet<string>> {
    return (await this.screen(config, undefined, contact, buyersOfVertical(config, verticalId))).buyers;
  }

  /**
   * The vertical's check and the buyers' in one lookup (one round trip on Redis, not one per check): whether this
   * consumer was sold in `vertical` within its lookback (false when no vertical is given, or it does not check), and
   * which of `buyerIds` (default: every buyer with campaigns in the vertical) bought it within their dedupe_days.
   */
  async screen(
    config: ConfigSnapshot,
    vertical: Vertical | undefined,
    contact: ContactHashes,
    buyerIds?: readonly string[],
  ): Promise<{ soldInVertical: boolean; buyers: ReadonlySet<string> }> {
    const checked = buyerIds
      ? buyerIds.filter((buyerId) => config.buyerById.get(buyerId)?.dedupe_days !== undefined)
      : vertical
        ? checkingBuyersOfVertical(config, vertical.id)
        : [];
    // Scopes and hashes apart (the windows read each hash once, not once per scope); every buyer's group shares the
    // ping's hashes and its own scopes, made once per buyer.
    const hashes = contactHashList(contact);
    const groups: ScopedKeys[] = [vertical ? verticalScopedKeys(vertical, contact) : NO_KEYS];
    for (const buyerId of checked) groups.push({ scopes: buyerScopesFor(buyerId, contact), hashes });
    const seen = await this.#windows.seenAny(groups);
    let buyers: Set<string> | undefined;
    for (let index = 0; index < checked.length; index++) {
      if (!seen[index + 1]) continue;
      buyers ??= new Set();
      buyers.add(checked[index]!);
    }
    return { soldInVertical: seen[0] === true, buyers: buyers ?? NO_BUYERS };
  }

  /**
   * Remembers a sold lead's consumer for its vertical and its buyer, for what is left of each window. `contact`: the
   * lead's hashes, when the caller has them already.
   */
  async rememberSale(
    config: ConfigSnapshot,
    lead: LeadRecord,
    now: number,
    contact: ContactHashes = leadContactHashes(lead.lead),
  ): Promise<void> {
    if (lead.status !== "sold") return;
    const vertical = config.verticalById.get(lead.vertical);
    const lookback = vertical?.dedupe;
    const writes: { keys: string[]; ttlMs: number }[] = [];
    const remember = (keys: string[], days: number) => {
      const ttlMs = lead.created_at + days * DAY_MS - now;
      if (keys.length > 0 && ttlMs > 0) writes.push({ keys, ttlMs: Math.ceil(ttlMs) });
    };
    if (vertical && lookback) remember(verticalKeys(vertical, contact), lookback.lookback_days);
    // Every buyer of a shared lead bought this consumer.
    for (const { buyer_id } of salesOf(lead)) {
      const buyerDays = config.buyerById.get(buyer_id)?.dedupe_days;
      if (buyerDays !== undefined) remember(buyerKeys(buyer_id, contact), buyerDays);
    }
    // The vertical's window and every buyer's in one write (one round trip on Redis).
    if (writes.length > 0) await this.#windows.rememberEach(writes);
  }

  /**
   * Rebuilds the windows from the store's sold leads within the longest lookback configured (the embedded default
   * keeps them in memory only). Returns how many sales were read.
   */
  async rebuild(store: LeadsPort, config: ConfigSnapshot, now: number): Promise<number> {
    const days = Math.max(
      0,
      ...config.verticals.map((vertical) => vertical.dedupe?.lookback_days ?? 0),
      ...config.buyers.map((buyer) => buyer.dedupe_days ?? 0),
    );
    if (days === 0) return 0;
    const since = now - days * DAY_MS;
    let read = 0;
    let before: string | undefined;
    for (;;) {
      const page = await store.listLeads({ status: "sold", limit: 500, ...(before ? { before } : {}) });
      for (const lead of page) {
        if (lead.created_at < since) return read;
        await this.rememberSale(config, lead, now);
        read++;
      }
      if (page.length < 500) return read;
      before = page.at(-1)!.id;
    }
  }
}

/**
 * The buyers with campaigns in a vertical who check duplicates (a dedupe_days), each once: worked out once per
 * configuration snapshot (immutable), not on every ping.
 */
function checkingBuyersOfVertical(config: ConfigSnapshot, verticalId: string): readonly string[] {
  let byVertical = checkingBuyers.get(config);
  if (!byVertical) {
    byVertical = new Map();
    checkingBuyers.set(config, byVertical);
  }
  let buyers = byVertical.get(verticalId);
  if (!buyers) {
    buyers = buyersOfVertical(config, verticalId).filter(
      (buyerId) => config.buyerById.get(buyerId)?.dedupe_days !== undefined,
    );
    byVertical.set(verticalId, buyers);
  }
  return buyers;
}

const checkingBuyers = new WeakMap<ConfigSnapshot, Map<string, readonly string[]>>();

/** The buyers with campaigns in a vertical, each once (`screen` keeps those who check duplicates). */
function buyersOfVertical(config: ConfigSnapshot, verticalId: string): string[] {
  return [
    ...new Set((config.campaignsByVertical.get(verticalId) ?? []).map((campaign) => campaign.buyer_id)),
  ];
}

/** What `screen` answers when no buyer bought this consumer (nearly every ping): one shared empty set. */
const NO_BUYERS: ReadonlySet<string> = new Set();
const NO_KEYS: ScopedKeys = { scopes: [], hashes: [] };

/** The consumer's hashes, e-mail then phone, those it has. */
function contactHashList(contact: ContactHashes): string[] {
  const hashes: string[] = [];
  if (contact.email_sha256) hashes.push(contact.email_sha256);
  if (contact.phone_sha256) hashes.push(contact.phone_sha256);
  return hashes;
}

/** A buyer's scopes for the kinds of hash the consumer has, e-mail then phone (contactHashList's order). */
function buyerScopesFor(buyerId: string, contact: ContactHashes): readonly string[] {
  let byPresence = buyerScopeLists.get(buyerId);
  if (!byPresence) {
    const email = scopeOf("b", buyerId, "email");
    const phone = scopeOf("b", buyerId, "phone");
    byPresence = { both: [email, phone], email: [email], phone: [phone], none: [] };
    buyerScopeLists.set(buyerId, byPresence);
  }
  return contact.email_sha256
    ? contact.phone_sha256
      ? byPresence.both
      : byPresence.email
    : contact.phone_sha256
      ? byPresence.phone
      : byPresence.none;
}

const buyerScopeLists = new Map<
  string,
  { both: readonly string[]; email: readonly string[]; phone: readonly string[]; none: readonly string[] }
>();

/** The vertical's keys (verticalKeys) as scopes and hashes. */
function verticalScopedKeys(vertical: Vertical, contact: ContactHashes): ScopedKeys {
  const dedupe = vertical.dedupe;
  if (!dedupe) return NO_KEYS;
  const scopes: string[] = [];
  const hashes: string[] = [];
  for (const kind of dedupe.match) {
    const sha256 = kind === "email" ? contact.email_sha256 : contact.phone_sha256;
    if (!sha256) continue;
    scopes.push(scopeOf("v", vertical.id, kind));
    hashes.push(sha256);
  }
  return { scopes, hashes };
}

/** The hashes of a ping's `contact_hash` (valid ones only). */
export function pingContacts(contactHash: ContactHashes | undefined): ContactHashes {
  const email = contactHash?.email_sha256 ? parseContactHash("email", contactHash.email_sha256) : undefined;
  const phone = contactHash?.phone_sha256 ? parseContactHash("phone", contactHash.phone_sha256) : undefined;
  return {
    ...(email ? { email_sha256: email.sha256 } : {}),
    ...(phone ? { phone_sha256: phone.sha256 } : {}),
  };
}

/** The vertical's window keys as text (what a sale remembers): the screen's scoped keys, joined. */
function verticalKeys(vertical: Vertical, contact: ContactHashes): string[] {
  return scopedKeyTexts(verticalScopedKeys(vertical, contact));
}

/** A buyer's window keys as text (what a sale remembers): the screen's scoped keys, joined. */
function buyerKeys(buyerId: string, contact: ContactHashes): string[] {
  return scopedKeyTexts({ scopes: buyerScopesFor(buyerId, contact), hashes: contactHashList(contact) });
}

/**
 * A window key's scope (`v:<vertical>:email:`, `b:<buyer>:phone:`), made once per vertical or buyer and kind rather
 * than concatenated afresh into every key of every ping (a key is then one concatenation: scope + hash).
 */
function scopeOf(of: "v" | "b", id: string, kind: "email" | "phone"): string {
  const byId = of === "v" ? verticalScopes : buyerScopes;
  let scopes = byId.get(id);
  if (!scopes) {
    scopes = { email: `${of}:${id}:email:`, phone: `${of}:${id}:phone:` };
    byId.set(id, scopes);
  }
  return scopes[kind];
}

/** Scopes by vertical and by buyer id: a few strings for each vertical and buyer ever configured. */
const verticalScopes = new Map<string, { email: string; phone: string }>();
const buyerScopes = new Map<string, { email: string; phone: string }>();

/** JSON with object keys sorted, so the same values always give the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
