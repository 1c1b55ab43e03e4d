// Building audit events (src/store/audit-events.ts): the before/after diff of a change, with every secret masked the
// way the admin API masks it, and a time-ordered id.
import { randomBytes } from "node:crypto";
import type { Campaign, Source } from "../domain/config-schema.ts";
import {
  isCredentialName,
  isMasked,
  maskCampaignSecrets,
  maskSecret,
  maskSourceSecrets,
} from "../domain/config-secrets.ts";
import type { AuditActor, AuditChange, AuditEvent, AuditKind } from "../store/audit-events.ts";

/** Who made a change and from where; routes build it from the request (src/http/audit-context.ts). */
export interface AuditContext {
  actor: AuditActor;
  /** The client's address; absent for a change Gavel made on its own. */
  address?: string;
}

/** A change Gavel made by itself (`what` says which part: `post-failures` for an automatic pause...). */
export function systemContext(what: string): AuditContext {
  return { actor: { type: "system", id: what } };
}

/** Time first (zero-padded milliseconds), then randomness: ids sort by time, so paging by id is paging by time. */
export function auditEventId(now: number): string {
  return `${String(now).padStart(15, "0")}-${randomBytes(6).toString("hex")}`;
}

export function auditEvent(
  kind: AuditKind,
  context: AuditContext,
  entity: string,
  changes: AuditChange[],
  extra: { note?: string; now?: number } = {},
): AuditEvent {
  const now = extra.now ?? Date.now();
  return {
    id: auditEventId(now),
    kind,
    actor: context.actor,
    entity,
    ...(context.address === undefined ? {} : { address: context.address }),
    changes,
    ...(extra.note === undefined ? {} : { note: extra.note }),
    created_at: now,
  };
}

/**
 * The fields that differ between two versions of a configuration entity (absent on one side for a creation or a
 * deletion), each by its dotted path; arrays compare as a whole, so a changed list reads as one line. Secrets are
 * masked first: a campaign's and a source's postback URLs' (config-secrets.ts), and any value under a credential's name (`api_key_sha256`, a
 * header called Authorization...), so no secret reaches the trail in full.
 */
export function configDiff(kind: string, before: unknown, after: unknown): AuditChange[] {
  const changes: AuditChange[] = [];
  collect(masked(kind, before), masked(kind, after), [], changes);
  return changes;
}

function masked(kind: string, entity: unknown): unknown {
  if (entity === undefined) return undefined;
  const withSecretsMasked =
    kind === "campaign"
      ? maskCampaignSecrets(entity as Campaign)
      : kind === "source"
        ? maskSourceSecrets(entity as Source)
        : entity;
  return maskCredentials(withSecretsMasked);
}

function maskCredentials(value: unknown, name = ""): unknown {
  if (typeof value === "string" && isCredentialName(name) && !isMasked(value)) return maskSecret(value);
  if (Array.isArray(value)) return value.map((item) => maskCredentials(item, name));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskCredentials(item, key)]));
  return value;
}

function collect(before: unknown, after: unknown, path: string[], changes: AuditChange[]): void {
  // A creation or a deletion lists each field, as an edit does.
  if ((isRecord(before) || before === undefined) && (isRecord(after) || after === undefined)) {
    if (before === undefined && after === undefined) return;
    before ??= {};
    after ??= {};
    const [was, is] = [before as Record<string, unknown>, after as Record<string, unknown>];
    for (const key of new Set([...Object.keys(was), ...Object.keys(is)]))
      collect(was[key], is[key], [...path, key], changes);
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  changes.push({
    path: path.join(".") || "(whole)",
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
