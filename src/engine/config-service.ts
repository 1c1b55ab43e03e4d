// Changes to configuration, from the admin API or the configuration file: validated as a whole (an entity must
// not break an auction), written to the store, then swapped into the engine as a new immutable snapshot.
import { randomBytes } from "node:crypto";
import { Value } from "@sinclair/typebox/value";
import { integrationProblem } from "../buyers/campaign-adapter.ts";
import { sha256Hex } from "../compliance/sha256-hex.ts";
import {
  type Buyer,
  type Campaign,
  type ConfigFile,
  type Settings,
  SettingsSchema,
  type Source,
} from "../domain/config-schema.ts";
import { marginTableProblem } from "../domain/pricing.ts";
import { isValidTimeZone } from "../domain/rules/local-time.ts";
import { validateRule } from "../domain/rules/rule.ts";
import { validateSchedule } from "../domain/rules/schedule.ts";
import type { Vertical } from "../domain/vertical.ts";
import { BUILT_IN_VERTICALS } from "../domain/verticals/index.ts";
import { GavelError } from "../errors.ts";
import type { AuditKind } from "../store/audit-events.ts";
import type { ChangeFeedPort, ConfigPort, ConsoleUsersPort } from "../store/ports.ts";
import type { ConfigKind, StoredConfig } from "../store/store.ts";
import { type AuditContext, auditEvent, configDiff, systemContext } from "./audit-trail.ts";
import { buildSnapshot, type ConfigData, type ConfigSnapshot } from "./config-snapshot.ts";
import { postbacksOf, postbackUrlProblem } from "./postbacks.ts";

/** A new source API key: 32 random bytes, prefixed so a leaked key is recognisable in a scan. */
export function generateApiKey(): string {
  return `gvl_${randomBytes(32).toString("base64url")}`;
}

/** A source's previous key and the end of its grace period, as stored. */
function previousKeyOf(source: Source): Partial<Source> {
  const { previous_api_key_sha256: hash, previous_key_expires_at: expiresAt } = source;
  return {
    ...(hash === undefined ? {} : { previous_api_key_sha256: hash }),
    ...(expiresAt === undefined ? {} : { previous_key_expires_at: expiresAt }),
  };
}

/**
 * The state configuration changes touch: the configuration itself, the console users (a buyer or source a user logs
 * in as is not deletable), and the change feed that tells the other instances.
 */
export type ConfigStore = ConfigPort & ConsoleUsersPort & ChangeFeedPort;

export class ConfigService {
  readonly #store: ConfigStore;
  readonly #onChange: (snapshot: ConfigSnapshot) => void;
  /** Whether the configuration file names an SMTP server: without one no campaign may deliver by e-mail. */
  readonly #smtp: boolean;
  /** `kind:id` of what the configuration file names: put back at every start, so not deletable through the API. */
  readonly #fromFile: ReadonlySet<string>;
  #snapshot: ConfigSnapshot;
  /**
   * The tail of the queue every change to the snapshot goes through: a write through this instance or a reload after
   * another instance's write. One at a time, in arrival order, each starting from the snapshot the one before left,
   * so no write is built on a snapshot a concurrent one is about to replace, and no reload swaps in what it read
   * before a later local write was stored.
   */
  #changes: Promise<unknown> = Promise.resolve();
  /** A reload queued but not yet started: a change heard meanwhile is read by it too, so it needs no other. */
  #queuedReload: Promise<void> | undefined;

  private constructor(
    store: ConfigStore,
    snapshot: ConfigSnapshot,
    onChange: (snapshot: ConfigSnapshot) => void,
    smtp: boolean,
    fromFile: ReadonlySet<string>,
  ) {
    this.#store = store;
    this.#snapshot = snapshot;
    this.#onChange = onChange;
    this.#smtp = smtp;
    this.#fromFile = fromFile;
  }

  /** Loads configuration from the store, applies the file on top (the file wins for what it names), checks it all. */
  static async open(
    store: ConfigStore,
    file: ConfigFile | undefined,
    onChange: (s: ConfigSnapshot) => void = () => {},
  ): Promise<ConfigService> {
    const stored = await store.loadConfig();
    const data = configData(stored, file);
    checkReferences(data);
    checkEmailDeliveries(data.campaigns, file?.smtp !== undefined);
    // Only what was set is stored, so a later release's better defaults still apply to the rest. What the file changes
    // from the stored version is audited as the file's doing (nothing, when the file says what is stored already).
    const fromFileContext = systemContext("config-file");
    if (file?.settings) {
      const settings = { ...stored.settings, ...file.settings };
      const changes = configDiff("settings", stored.settings, settings);
      await store.putSettings(
        settings,
        changes.length ? auditEvent("config.put", fromFileContext, "settings", changes) : undefined,
      );
    }
    const putFromFile = async (
      kind: ConfigKind,
      entity: { id: string },
      storedOnes: readonly { id: string }[],
    ) => {
      const changes = configDiff(
        kind,
        storedOnes.find((item) => item.id === entity.id),
        entity,
      );
      const audit = changes.length
        ? auditEvent("config.put", fromFileContext, `${kind}:${entity.id}`, changes)
        : undefined;
      await store.putConfig(kind, entity, audit);
    };
    for (const vertical of file?.verticals ?? []) await putFromFile("vertical", vertical, stored.verticals);
    for (const source of file?.sources ?? []) await putFromFile("source", source, stored.sources);
    for (const buyer of file?.buyers ?? []) await putFromFile("buyer", buyer, stored.buyers);
    for (const campaign of file?.campaigns ?? []) await putFromFile("campaign", campaign, stored.campaigns);
    if (file) await store.notifyConfigChanged?.({ topic: "config" });
    const fromFile = new Set([
      ...(file?.verticals ?? []).map((vertical) => `vertical:${vertical.id}`),
      ...(file?.sources ?? []).map((source) => `source:${source.id}`),
      ...(file?.buyers ?? []).map((buyer) => `buyer:${buyer.id}`),
      ...(file?.campaigns ?? []).map((campaign) => `campaign:${campaign.id}`),
    ]);
    return new ConfigService(store, buildSnapshot(data), onChange, file?.smtp !== undefined, fromFile);
  }

  /**
   * Rebuilds the snapshot from the store: another instance changed the configuration. Queued behind the writes in
   * progress here, so what it reads includes them; calls while one is still queued share it.
   */
  reload(): Promise<void> {
    this.#queuedReload ??= this.#serially(async () => {
      // Started: a change heard from now on may be missing from what this reads, so it queues another.
      this.#queuedReload = undefined;
      const data = configData(await this.#store.loadConfig(), undefined);
      checkReferences(data);
      this.#swap(data);
    });
    return this.#queuedReload;
  }

  get snapshot(): ConfigSnapshot {
    return this.#snapshot;
  }

  /** The whole configuration in the configuration file's shape (key hashes included, keys never). */
  export(): ConfigFile {
    const { settings, verticals, sources, buyers, campaigns } = this.#snapshot;
    return { settings, verticals, sources, buyers, campaigns };
  }

  // Every change below takes the audit context (who, from where) of the request that made it, and stores its audit
  // event with the change in one transaction; without one (a test, a script) it is recorded as Gavel's own.

  async putVertical(vertical: Vertical, context: AuditContext = UNNAMED): Promise<Vertical> {
    return this.#serially(() => this.#put("vertical", "verticals", vertical, context));
  }

  /**
   * Creates or replaces a source. A new source without a key hash gets a fresh key, returned once and never stored.
   * One sent without its key hashes keeps them (and a rotation's grace period): editing a source never locks it out.
   */
  async putSource(
    source: Source,
    context: AuditContext = UNNAMED,
  ): Promise<{ source: Source; api_key?: string }> {
    return this.#serially(async () => {
      const current = this.#snapshot.sourceById.get(source.id);
      const keyHash = source.api_key_sha256 ?? current?.api_key_sha256;
      if (keyHash) {
        const previous =
          source.previous_api_key_sha256 === undefined && current?.previous_api_key_sha256
            ? previousKeyOf(current)
            : {};
        return {
          source: await this.#put(
            "source",
            "sources",
            { ...source, api_key_sha256: keyHash, ...previous },
            context,
          ),
        };
      }
      const apiKey = generateApiKey();
      return {
        source: await this.#put(
          "source",
          "sources",
          { ...source, api_key_sha256: sha256Hex(apiKey) },
          context,
        ),
        api_key: apiKey,
      };
    });
  }

  /**
   * Replaces a source's key. Without a grace period the old key stops working at once (how a leaked key is revoked);
   * with one, the old key is still accepted until `grace.now + grace.seconds`, so the seller can switch without a
   * refused lead. A key from an earlier rotation still in its grace ends now: only the last key before this one lasts.
   */
  async rotateSourceKey(
    sourceId: string,
    context: AuditContext = UNNAMED,
    grace: { seconds: number; now: number } = { seconds: 0, now: Date.now() },
  ): Promise<{ source: Source; api_key: string }> {
    return this.#serially(async () => {
      const source = this.#snapshot.sourceById.get(sourceId);
      if (!source) throw new GavelError("GAVEL_NOT_FOUND", `No source ${sourceId}`, "id");
      const apiKey = generateApiKey();
      const { previous_api_key_sha256: _, previous_key_expires_at: __, ...rest } = source;
      const previous =
        grace.seconds > 0 && source.api_key_sha256
          ? {
              previous_api_key_sha256: source.api_key_sha256,
              previous_key_expires_at: new Date(grace.now + grace.seconds * 1000).toISOString(),
            }
          : {};
      return {
        source: await this.#put(
          "source",
          "sources",
          { ...rest, api_key_sha256: sha256Hex(apiKey), ...previous },
          context,
          "key.rotate",
        ),
        api_key: apiKey,
      };
    });
  }

  /** Creates or replaces a buyer. One sent without a key hash keeps its key: editing a buyer never locks it out. */
  async putBuyer(buyer: Buyer, context: AuditContext = UNNAMED): Promise<Buyer> {
    return this.#serially(() => {
      const keyHash = buyer.api_key_sha256 ?? this.#snapshot.buyerById.get(buyer.id)?.api_key_sha256;
      return this.#put("buyer", "buyers", keyHash ? { ...buyer, api_key_sha256: keyHash } : buyer, context);
    });
  }

  /**
   * Changes one buyer from its latest version, so no concurrent write slips in between the read and the write.
   * `change` may throw to refuse (nothing is written), or return the buyer it was given to write nothing.
   */
  async updateBuyer(
    id: string,
    change: (buyer: Buyer) => Buyer,
    context: AuditContext = UNNAMED,
    auditKind: AuditKind = "config.put",
  ): Promise<Buyer> {
    return this.#serially(async () => {
      const buyer = this.#snapshot.buyerById.get(id);
      if (!buyer) throw new GavelError("GAVEL_NOT_FOUND", `No buyer ${id}`, "id");
      const changed = change(buyer);
      return changed === buyer ? buyer : this.#put("buyer", "buyers", changed, context, auditKind);
    });
  }

  async putCampaign(campaign: Campaign, context: AuditContext = UNNAMED): Promise<Campaign> {
    return this.#serially(() => this.#put("campaign", "campaigns", campaign, context));
  }

  /** Changes one source from its latest version, as `updateBuyer` does a buyer. */
  async updateSource(
    id: string,
    change: (source: Source) => Source,
    context: AuditContext = UNNAMED,
  ): Promise<Source> {
    return this.#serially(async () => {
      const source = this.#snapshot.sourceById.get(id);
      if (!source) throw new GavelError("GAVEL_NOT_FOUND", `No source ${id}`, "id");
      const changed = change(source);
      return changed === source ? source : this.#put("source", "sources", changed, context);
    });
  }

  /** Changes one campaign from its latest version, as `updateBuyer` does a buyer. */
  async updateCampaign(
    id: string,
    change: (campaign: Campaign) => Campaign,
    context: AuditContext = UNNAMED,
  ): Promise<Campaign> {
    return this.#serially(async () => {
      const campaign = this.#snapshot.campaignById.get(id);
      if (!campaign) throw new GavelError("GAVEL_NOT_FOUND", `No campaign ${id}`, "id");
      const changed = change(campaign);
      return changed === campaign ? campaign : this.#put("campaign", "campaigns", changed, context);
    });
  }

  /**
   * Deletes a vertical, source, buyer or campaign that nothing still needs: a buyer with campaigns, a vertical that
   * sources or campaigns use, or a buyer or source with console users is a 409 naming them (delete or move those
   * first). Leads and outcomes keep the id as history; a held bid of a deleted campaign falls back at its post.
   */
  async remove(kind: ConfigKind, id: string, context: AuditContext = UNNAMED): Promise<void> {
    return this.#serially(async () => {
      const snapshot = this.#snapshot;
      const collection = COLLECTION_OF[kind];
      if (!snapshot[collection].some((entity) => entity.id === id))
        throw new GavelError("GAVEL_NOT_FOUND", `No ${kind} ${id}`, "id");
      if (kind === "vertical" && BUILT_IN_VERTICALS.some((vertical) => vertical.id === id))
        throw new GavelError("GAVEL_BUILT_IN", `Vertical ${id} is built in; it cannot be deleted`, "id");
      if (this.#fromFile.has(`${kind}:${id}`)) {
        throw new GavelError(
          "GAVEL_DEFINED_IN_FILE",
          `The configuration file defines ${kind} ${id} and would put it back at the next start: remove it there`,
          "id",
        );
      }
      const dependents = [...configDependents(snapshot, kind, id), ...(await this.#usersOf(kind, id))];
      if (dependents.length > 0) {
        const shown = dependents.slice(0, 10).join(", ");
        const more = dependents.length > 10 ? ` and ${dependents.length - 10} more` : "";
        throw new GavelError("GAVEL_IN_USE", `${kind} ${id} is still used by ${shown}${more}`, "id");
      }
      const removed = snapshot[collection].find((entity) => entity.id === id);
      await this.#store.deleteConfig(
        kind,
        id,
        auditEvent("config.delete", context, `${kind}:${id}`, configDiff(kind, removed, undefined)),
      );
      const data: ConfigData = { ...snapshot };
      data[collection] = snapshot[collection].filter((entity) => entity.id !== id) as never;
      this.#swap(data);
      await this.#store.notifyConfigChanged?.({ topic: "config" });
    });
  }

  /** The console users who log in as this buyer or source. */
  async #usersOf(kind: ConfigKind, id: string): Promise<string[]> {
    if (kind !== "buyer" && kind !== "source") return [];
    const users = await this.#store.listUsers();
    return users
      .filter((user) => user.role === kind && user.party_id === id)
      .map((user) => `user ${user.email}`);
  }

  async putSettings(partial: Partial<Settings>, context: AuditContext = UNNAMED): Promise<Settings> {
    return this.#serially(async () => {
      const settings = withDefaults({ ...this.#snapshot.settings, ...partial });
      const data = { ...this.#snapshot, settings };
      checkReferences(data);
      await this.#store.putSettings(
        settings,
        auditEvent(
          "config.put",
          context,
          "settings",
          configDiff("settings", this.#snapshot.settings, settings),
        ),
      );
      this.#swap(data);
      await this.#store.notifyConfigChanged?.({ topic: "config" });
      return settings;
    });
  }

  /** Runs one change after every change queued before it (see #changes); a failed one does not stop the next. */
  #serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#changes.then(change);
    this.#changes = result.catch(() => {});
    return result;
  }

  /** Stores one entity and swaps in the snapshot with it; only from inside #serially. */
  async #put<K extends "verticals" | "sources" | "buyers" | "campaigns">(
    kind: ConfigKind,
    collection: K,
    entity: ConfigData[K][number],
    context: AuditContext,
    auditKind: AuditKind = "config.put",
  ): Promise<ConfigData[K][number]> {
    const data: ConfigData = { ...this.#snapshot };
    data[collection] = mergeById(this.#snapshot[collection] as { id: string }[], [entity]) as ConfigData[K];
    checkReferences(data);
    if (kind === "campaign") checkEmailDeliveries([entity as Campaign], this.#smtp);
    const before = (this.#snapshot[collection] as { id: string }[]).find((item) => item.id === entity.id);
    const changes = configDiff(kind, before, entity);
    await this.#store.putConfig(
      kind,
      entity,
      auditEvent(auditKind, context, `${kind}:${entity.id}`, changes),
    );
    this.#swap(data);
    await this.#store.notifyConfigChanged?.({ topic: "config" });
    return entity;
  }

  #swap(data: ConfigData): void {
    this.#snapshot = buildSnapshot(data);
    this.#onChange(this.#snapshot);
  }
}

/** The audit context of a change made without one (a test or a script calling the service directly). */
const UNNAMED: AuditContext = systemContext("gavel");

const COLLECTION_OF = {
  vertical: "verticals",
  source: "sources",
  buyer: "buyers",
  campaign: "campaigns",
} as const satisfies Record<ConfigKind, keyof ConfigData>;

/** The configuration entities that name this one. */
function configDependents(snapshot: ConfigSnapshot, kind: ConfigKind, id: string): string[] {
  switch (kind) {
    case "vertical":
      return [
        ...snapshot.sources
          .filter((source) => source.verticals?.includes(id))
          .map((source) => `source ${source.id}`),
        ...snapshot.campaigns
          .filter((campaign) => campaign.vertical === id)
          .map((campaign) => `campaign ${campaign.id}`),
      ];
    case "buyer":
      return snapshot.campaigns
        .filter((campaign) => campaign.buyer_id === id)
        .map((campaign) => `campaign ${campaign.id}`);
    default:
      return [];
  }
}

/**
 * The snapshot a configuration file would make on top of what the store holds, checked as a start would check it, and
 * stored nowhere: what gavel replay runs a candidate configuration as (and, without a file, the current one).
 */
export function previewSnapshot(stored: StoredConfig, file: ConfigFile | undefined): ConfigSnapshot {
  const data = configData(stored, file);
  checkReferences(data);
  return buildSnapshot(data);
}

/** Built-in verticals, then what the store holds, then the file on top (the file wins for what it names). */
function configData(stored: StoredConfig, file: ConfigFile | undefined): ConfigData {
  return {
    settings: withDefaults({ ...stored.settings, ...file?.settings }),
    verticals: mergeById(mergeById([...BUILT_IN_VERTICALS], stored.verticals), file?.verticals ?? []),
    sources: mergeById(stored.sources, file?.sources ?? []),
    buyers: mergeById(stored.buyers, file?.buyers ?? []),
    campaigns: mergeById(stored.campaigns, file?.campaigns ?? []),
  };
}

function withDefaults(settings: Partial<Settings>): Settings {
  const complete = Value.Default(SettingsSchema, structuredClone(settings)) as Settings;
  if (!Value.Check(SettingsSchema, complete)) {
    const first = Value.Errors(SettingsSchema, complete).First();
    throw new GavelError(
      "GAVEL_VALIDATION",
      `settings${first?.path ?? ""} ${first?.message ?? "invalid"}`,
      `settings${first?.path.replaceAll("/", ".") ?? ""}`,
    );
  }
  return complete;
}

function mergeById<T extends { id: string }>(base: readonly T[], overrides: readonly T[]): T[] {
  const byId = new Map(base.map((item) => [item.id, item]));
  for (const item of overrides) byId.set(item.id, item);
  return [...byId.values()];
}

/** Everything that must hold across entities, so a saved configuration can never break an auction. */
function checkReferences(data: ConfigData): void {
  if (data.settings.default_tmax_ms > data.settings.max_tmax_ms) {
    fail("settings", "default_tmax_ms", `must not exceed max_tmax_ms (${data.settings.max_tmax_ms})`);
  }
  const verticals = new Map(data.verticals.map((v) => [v.id, v]));
  const buyers = new Set(data.buyers.map((b) => b.id));
  for (const buyer of data.buyers) {
    if (buyer.caps?.time_zone && !isValidTimeZone(buyer.caps.time_zone)) {
      fail(`buyer ${buyer.id}`, "caps.time_zone", "is not an IANA time zone");
    }
  }
  for (const vertical of data.verticals) checkVertical(vertical);
  const keyOwners = new Map<string, string>();
  for (const source of data.sources) {
    if (source.payout.model === "margin_table") {
      const problem = marginTableProblem(source.payout.bands);
      if (problem) fail(`source ${source.id}`, problem.path, problem.message);
    }
    checkCeiling(`source ${source.id}`, source);
    for (const verticalId of source.verticals ?? []) {
      if (!verticals.has(verticalId))
        fail(`source ${source.id}`, "verticals", `unknown vertical ${verticalId}`);
    }
    for (const [index, postback] of postbacksOf(source).entries()) {
      const problem = postbackUrlProblem(postback.url);
      const path = Array.isArray(source.postback) ? `postback[${index}].url` : "postback.url";
      if (problem) fail(`source ${source.id}`, path, problem);
    }
    if (source.api_key_sha256) {
      const owner = keyOwners.get(source.api_key_sha256);
      if (owner) fail(`source ${source.id}`, "api_key_sha256", `the same key as source ${owner}`);
      keyOwners.set(source.api_key_sha256, source.id);
    }
  }
  for (const campaign of data.campaigns) {
    const vertical = verticals.get(campaign.vertical);
    const at = `campaign ${campaign.id}`;
    if (!vertical) fail(at, "vertical", `unknown vertical ${campaign.vertical}`);
    if (!buyers.has(campaign.buyer_id)) fail(at, "buyer_id", `unknown buyer ${campaign.buyer_id}`);
    if (campaign.pricing.type === "realtime" && !campaign.ping)
      fail(at, "ping", "realtime pricing needs a ping endpoint");
    if (!campaign.post && !campaign.delivery)
      fail(at, "post", "is required: a campaign takes its leads by a post endpoint or by a delivery");
    const problem =
      validateRule(campaign.filters, vertical, "filters") ??
      (campaign.rules === undefined ? undefined : validateRule(campaign.rules, vertical, "rules")) ??
      (campaign.schedule === undefined ? undefined : validateSchedule(campaign.schedule, "schedule")) ??
      // Templates are compiled against the vertical: a PII field in a ping template is refused here.
      (campaign.integration === undefined || !vertical ? undefined : integrationProblem(campaign, vertical));
    if (problem) fail(at, problem.path, problem.message);
    for (const [name, caps] of [
      ["caps", campaign.caps],
      ["source_caps", campaign.source_caps],
    ] as const) {
      if (caps?.time_zone && !isValidTimeZone(caps.time_zone))
        fail(at, `${name}.time_zone`, "is not an IANA time zone");
    }
  }
}

/**
 * A campaign that delivers by e-mail needs the SMTP server of the configuration file; checked when configuration is
 * written (at start and through the admin API), not on a reload from another instance, whose file may differ.
 */
function checkEmailDeliveries(campaigns: readonly Campaign[], smtp: boolean): void {
  if (smtp) return;
  const emailing = campaigns.find((campaign) => campaign.delivery?.type === "email");
  if (emailing) {
    fail(
      `campaign ${emailing.id}`,
      "delivery",
      "is by e-mail, but the configuration file names no smtp server to send it through",
    );
  }
}

function checkVertical(vertical: Vertical): void {
  if (vertical.ceiling !== undefined)
    checkCeiling(`vertical ${vertical.id}`, { floor: vertical.floor, ceiling: vertical.ceiling });
  const names = new Set<string>();
  for (const [index, field] of vertical.fields.entries()) {
    const at = `vertical ${vertical.id}`;
    if (names.has(field.name)) fail(at, `fields[${index}].name`, `duplicate field ${field.name}`);
    names.add(field.name);
    if (field.type === "enum" && !field.values?.length)
      fail(at, `fields[${index}].values`, "an enum needs values");
    if (field.min !== undefined && field.max !== undefined && field.min > field.max)
      fail(at, `fields[${index}].min`, "min is above max");
  }
}

/** A ceiling below the floor would drop every bid: surely a mistake. */
function checkCeiling(
  entity: string,
  limits: { floor?: number | undefined; ceiling?: number | undefined },
): void {
  if (limits.ceiling !== undefined && limits.floor !== undefined && limits.ceiling < limits.floor)
    fail(entity, "ceiling", `must not be below the floor (${limits.floor})`);
}

function fail(entity: string, field: string, message: string): never {
  throw new GavelError("GAVEL_VALIDATION", `${entity}: ${field} ${message}`, field);
}
