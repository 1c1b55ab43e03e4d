// What would this change have done last week: a candidate change to one campaign, source, buyer or vertical (or any
// configuration, as JSON), replayed over the recorded auctions of a period (POST /v1/admin/replay; no buyer is called,
// nothing is saved), with its deltas against the current configuration replayed: revenue, payouts, margin,
// sell-through and each buyer's volume. Opened from the campaign, source and buyer screens with the entity chosen.
import { useEffect, useMemo, useState } from "react";
import type { ReplayAnswerWire } from "../../../src/http/replay-schemas.ts";
import { get, money, post } from "../api.ts";
import { currentLocation, Link } from "../router.tsx";
import { useData } from "../use-data.ts";
import { Problem, Tile } from "./common.tsx";
import type { Entity } from "./config-form.tsx";

const KINDS = ["campaign", "source", "buyer", "vertical", "json"] as const;
type Kind = (typeof KINDS)[number];
type EntityKind = Exclude<Kind, "json">;
const PLURAL: Record<EntityKind, "campaigns" | "sources" | "buyers" | "verticals"> = {
  campaign: "campaigns",
  source: "sources",
  buyer: "buyers",
  vertical: "verticals",
};
const KIND_LABELS: Record<Kind, string> = {
  campaign: "a campaign",
  source: "a source",
  buyer: "a buyer",
  vertical: "a vertical",
  json: "any configuration (JSON)",
};

const PERIODS = ["last 7 days", "yesterday", "today", "last 31 days", "custom"] as const;
type Period = (typeof PERIODS)[number];
const DAY_MS = 86_400_000;

const INPUT_STYLE = { width: "8rem" } as const;
const ROW_STYLE = { margin: "0.8rem 0" } as const;
const TEXTAREA_STYLE = { fontFamily: "monospace", width: "100%", minHeight: "12rem" } as const;
const UP = { color: "#17612f" } as const;
const DOWN = { color: "#a12020" } as const;

/** The period's bounds (epoch ms): local days, as the operator reads "yesterday". */
function periodBounds(period: Period, custom: { from: string; to: string }, now = Date.now()) {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const today = midnight.getTime();
  switch (period) {
    case "last 7 days":
      return { from: now - 7 * DAY_MS, to: now };
    case "yesterday":
      return { from: today - DAY_MS, to: today };
    case "today":
      return { from: today, to: now };
    case "last 31 days":
      return { from: now - 31 * DAY_MS, to: now };
    case "custom":
      return { from: Date.parse(custom.from), to: Date.parse(custom.to) };
  }
}

/** A datetime-local input's value for an instant, in the browser's time zone. */
function localInput(at: number): string {
  const date = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}

/** A number input's text as a value: empty is "not set". */
const numberOf = (text: string): number | undefined => (text.trim() === "" ? undefined : Number(text));
const textOf = (value: unknown): string => (typeof value === "number" ? String(value) : "");

/** Sets `path` in a copy of `entity` (undefined removes it, and an object left empty with it). */
function withValue(entity: Entity, path: readonly string[], value: unknown): Entity {
  const copy = structuredClone(entity);
  // biome-ignore lint/suspicious/noExplicitAny: configuration entities are arbitrary JSON the server validates
  const parents: any[] = [copy];
  for (const key of path.slice(0, -1)) {
    const parent = parents.at(-1);
    if (typeof parent[key] !== "object" || parent[key] === null) parent[key] = {};
    parents.push(parent[key]);
  }
  const last = path.at(-1)!;
  if (value === undefined) delete parents.at(-1)[last];
  else parents.at(-1)[last] = value;
  for (let depth = path.length - 1; depth > 0; depth--) {
    if (Object.keys(parents[depth]).length > 0) break;
    delete parents[depth - 1][path[depth - 1]!];
  }
  return copy;
}

/** The changed settings, as "path: before → after" lines (what the candidate differs in). */
function differences(before: unknown, after: unknown, path = ""): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
    return [...keys].flatMap((key) =>
      differences(
        (before as Record<string, unknown>)[key],
        (after as Record<string, unknown>)[key],
        path ? `${path}.${key}` : key,
      ),
    );
  }
  const show = (value: unknown) => (value === undefined ? "not set" : JSON.stringify(value));
  return [`${path}: ${show(before)} → ${show(after)}`];
}

export function WhatIf() {
  const asked = currentLocation().query;
  const askedKind = asked.get("kind") as Kind | null;
  const [kind, setKind] = useState<Kind>(askedKind && KINDS.includes(askedKind) ? askedKind : "campaign");
  const [entityId, setEntityId] = useState(asked.get("id") ?? "");
  const [draft, setDraft] = useState<Entity>();
  const [jsonText, setJsonText] = useState('{\n  "settings": {}\n}');
  const [period, setPeriod] = useState<Period>("last 7 days");
  const [custom, setCustom] = useState(() => ({
    from: localInput(Date.now() - 7 * DAY_MS),
    to: localInput(Date.now()),
  }));
  const [answer, setAnswer] = useState<ReplayAnswerWire>();
  const [problem, setProblem] = useState<Error>();
  const [running, setRunning] = useState(false);

  const entities = useData(`what-if-${kind}`, async () => {
    if (kind === "json") return [] as Entity[];
    const plural = PLURAL[kind];
    const answer = await get<Record<string, Entity[]>>(`/v1/admin/${plural}`);
    return answer[plural] ?? [];
  });
  const chosen = entities.data?.find((entity) => entity.id === entityId);
  // A newly chosen entity starts the draft afresh: the change is made on what is configured now.
  useEffect(() => {
    setDraft(chosen ? structuredClone(chosen) : undefined);
    setAnswer(undefined);
  }, [chosen]);
  useEffect(() => {
    if (kind !== "json" && entities.data && !entities.data.some((entity) => entity.id === entityId))
      setEntityId(entities.data[0]?.id ?? "");
  }, [kind, entities.data, entityId]);

  const candidate = useMemo((): { config?: unknown; error?: string } => {
    if (kind === "json") {
      try {
        return { config: JSON.parse(jsonText) };
      } catch (error) {
        return { error: `the JSON does not parse: ${(error as Error).message}` };
      }
    }
    if (!draft) return { error: `choose ${KIND_LABELS[kind]}` };
    return { config: { [PLURAL[kind]]: [draft] } };
  }, [kind, jsonText, draft]);
  const changes = kind !== "json" && chosen && draft ? differences(chosen, draft) : [];
  const edit = (path: readonly string[], value: unknown) => draft && setDraft(withValue(draft, path, value));

  const run = async () => {
    setProblem(undefined);
    setAnswer(undefined);
    const { from, to } = periodBounds(period, custom);
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      setProblem(new Error("Choose both ends of the period."));
      return;
    }
    setRunning(true);
    try {
      setAnswer(
        await post<ReplayAnswerWire>("/v1/admin/replay", {
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          config: candidate.config,
        }),
      );
    } catch (error) {
      setProblem(error as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section>
      <h2>What if</h2>
      <p className="muted">
        What a change would have done: the recorded auctions of a period decided again with the change, each
        buyer bidding what it bid then and answering posts as it answered them. Nothing is saved and no buyer
        is called.
      </p>
      <div className="lead-filters">
        <label className="filter">
          change
          <select
            name="kind"
            value={kind}
            onChange={(event) => {
              setKind(event.target.value as Kind);
              setEntityId("");
            }}
          >
            {KINDS.map((value) => (
              <option key={value} value={value}>
                {KIND_LABELS[value]}
              </option>
            ))}
          </select>
        </label>
        {kind !== "json" && (
          <label className="filter">
            {kind}
            <select name="entity" value={entityId} onChange={(event) => setEntityId(event.target.value)}>
              {(entities.data ?? []).map((entity) => (
                <option key={entity.id} value={entity.id}>
                  {entity.name && entity.name !== entity.id ? `${entity.id} (${entity.name})` : entity.id}
                </option>
              ))}
            </select>
          </label>
        )}
        {draft && kind !== "json" && <ChangeInputs kind={kind} draft={draft} edit={edit} />}
      </div>
      <Problem error={entities.error} />
      {kind === "json" ? (
        <label className="filter">
          candidate (the configuration file's shape: what it names replaces what is configured)
          <textarea
            name="candidate"
            style={TEXTAREA_STYLE}
            value={jsonText}
            onChange={(event) => setJsonText(event.target.value)}
          />
        </label>
      ) : (
        <div data-testid="what-if-changes">
          {changes.length === 0 ? (
            <p className="muted">No change yet: as configured now.</p>
          ) : (
            <ul>
              {changes.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          {candidate.config !== undefined && (
            <button
              type="button"
              className="link"
              onClick={() => {
                setJsonText(JSON.stringify(candidate.config, null, 2));
                setKind("json");
              }}
            >
              edit as JSON
            </button>
          )}
        </div>
      )}
      <div className="lead-filters" style={ROW_STYLE}>
        <label className="filter">
          period
          <select name="period" value={period} onChange={(event) => setPeriod(event.target.value as Period)}>
            {PERIODS.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        {period === "custom" && (
          <>
            <label className="filter">
              from
              <input
                type="datetime-local"
                name="from"
                value={custom.from}
                onChange={(event) => setCustom({ ...custom, from: event.target.value })}
              />
            </label>
            <label className="filter">
              to
              <input
                type="datetime-local"
                name="to"
                value={custom.to}
                onChange={(event) => setCustom({ ...custom, to: event.target.value })}
              />
            </label>
          </>
        )}
        <button
          type="button"
          data-testid="run-what-if"
          disabled={running || candidate.config === undefined}
          onClick={run}
        >
          {running ? "Replaying…" : "Replay the period"}
        </button>
      </div>
      {candidate.error && <p className="muted">{candidate.error}</p>}
      <Problem error={problem} />
      {answer && <ReplayResult answer={answer} />}
    </section>
  );
}

/** The few settings a what-if is usually about, for each kind of entity; anything else: edit as JSON. */
function ChangeInputs({
  kind,
  draft,
  edit,
}: {
  kind: EntityKind;
  draft: Entity;
  edit: (path: readonly string[], value: unknown) => void;
}) {
  const number = (label: string, path: readonly string[], name: string) => (
    <label className="filter" key={name}>
      {label}
      <input
        type="number"
        name={name}
        min={0}
        step="any"
        style={INPUT_STYLE}
        value={textOf(path.reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], draft))}
        onChange={(event) => edit(path, numberOf(event.target.value))}
      />
    </label>
  );
  const status = (options: readonly string[]) => (
    <label className="filter">
      status
      <select
        name="status"
        value={draft.status ?? ""}
        onChange={(event) => edit(["status"], event.target.value)}
      >
        {options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </label>
  );
  const fallback = (
    <label className="filter">
      fallback margin
      <select
        name="fallback_margin"
        value={draft.fallback_margin ?? ""}
        onChange={(event) => edit(["fallback_margin"], event.target.value || undefined)}
      >
        <option value="">{kind === "source" ? "the vertical's" : "strict (default)"}</option>
        <option value="strict">strict</option>
        <option value="honour_quote">honour_quote</option>
      </select>
    </label>
  );
  if (kind === "campaign")
    return (
      <>
        {status(["active", "paused", "test"])}
        {draft.pricing?.type === "fixed"
          ? number("price ($)", ["pricing", "price"], "price")
          : number("max price ($)", ["pricing", "max_price"], "max_price")}
        {number("daily lead cap", ["caps", "leads", "day"], "campaign_cap_day")}
      </>
    );
  if (kind === "buyer")
    return (
      <>
        {status(["active", "paused"])}
        {number("daily lead cap", ["caps", "leads", "day"], "buyer_cap_day")}
        {number("daily spend cap ($)", ["caps", "spend", "day"], "buyer_spend_day")}
        {number("bid adjustment (%)", ["bid_adjustment_percent"], "bid_adjustment_percent")}
      </>
    );
  if (kind === "source") {
    const payout = draft.payout as { model?: string } | undefined;
    const payoutInput =
      payout?.model === "revenue_share"
        ? number("payout (% of the bid)", ["payout", "percent"], "payout_percent")
        : payout?.model === "margin" || payout?.model === "fixed"
          ? number(
              payout.model === "margin" ? "payout: bid less ($)" : "payout ($)",
              ["payout", "amount"],
              "payout_amount",
            )
          : null;
    return (
      <>
        {status(["live", "test", "paused"])}
        {payoutInput}
        {number("floor ($)", ["floor"], "floor")}
        {fallback}
      </>
    );
  }
  return (
    <>
      {number("floor ($)", ["floor"], "floor")}
      {number("ceiling ($)", ["ceiling"], "ceiling")}
      {fallback}
    </>
  );
}

function ReplayResult({ answer }: { answer: ReplayAnswerWire }) {
  const { recorded, current, candidate, delta } = answer;
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const rows: [string, string, string, string, string, number][] = [
    ["leads posted", String(recorded.posted), String(current.posted), String(candidate.posted), "", 0],
    [
      "sold",
      String(recorded.sold),
      String(current.sold),
      String(candidate.sold),
      signed(delta.sold),
      delta.sold,
    ],
    [
      "sell-through",
      percent(recorded.sell_through),
      percent(current.sell_through),
      percent(candidate.sell_through),
      `${delta.sell_through > 0 ? "+" : delta.sell_through < 0 ? "\u2212" : ""}${(Math.abs(delta.sell_through) * 100).toFixed(1)} pts`,
      delta.sell_through,
    ],
    [
      "buyer revenue",
      money(recorded.buyer_revenue),
      money(current.buyer_revenue),
      money(candidate.buyer_revenue),
      signedMoney(delta.buyer_revenue),
      delta.buyer_revenue,
    ],
    [
      "source payouts",
      money(recorded.source_payout),
      money(current.source_payout),
      money(candidate.source_payout),
      signedMoney(delta.source_payout),
      delta.source_payout,
    ],
    [
      "margin",
      money(recorded.margin),
      money(current.margin),
      money(candidate.margin),
      signedMoney(delta.margin),
      delta.margin,
    ],
  ];
  const assumed =
    candidate.assumed_accepts + candidate.unasked_campaigns + candidate.newly_quoted + candidate.skipped;
  return (
    <div data-testid="what-if-result" style={ROW_STYLE}>
      <div className="tiles">
        <Tile label="margin, change" value={signedMoney(delta.margin)} id="delta-margin" />
        <Tile label="sold, change" value={signed(delta.sold)} id="delta-sold" />
        <Tile label="source payouts, change" value={signedMoney(delta.source_payout)} id="delta-payout" />
        <Tile label="auctions replayed" value={String(recorded.auctions)} id="replayed-auctions" />
      </div>
      <table data-testid="what-if-totals">
        <thead>
          <tr>
            <th />
            <th className="num">recorded</th>
            <th className="num">as configured now</th>
            <th className="num">with the change</th>
            <th className="num">change</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, was, now, then, change, sign]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td className="num">{was}</td>
              <td className="num">{now}</td>
              <td className="num">{then}</td>
              <td className="num" style={sign > 0 ? UP : sign < 0 ? DOWN : undefined}>
                {change}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Each buyer</h3>
      <table data-testid="what-if-buyers">
        <thead>
          <tr>
            <th>buyer</th>
            <th className="num">leads now</th>
            <th className="num">leads with the change</th>
            <th className="num">change</th>
            <th className="num">spend now</th>
            <th className="num">spend with the change</th>
          </tr>
        </thead>
        <tbody>
          {answer.buyers.map((buyer) => (
            <tr key={buyer.buyer_id}>
              <td>{buyer.buyer_id}</td>
              <td className="num">{buyer.leads}</td>
              <td className="num">{buyer.candidate_leads}</td>
              <td
                className="num"
                style={buyer.delta_leads > 0 ? UP : buyer.delta_leads < 0 ? DOWN : undefined}
              >
                {signed(buyer.delta_leads)}
              </td>
              <td className="num">{money(buyer.spend)}</td>
              <td className="num">{money(buyer.candidate_spend)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {answer.buyers.length === 0 && <p className="muted">No buyer bought in this period.</p>}
      <p className="muted small" data-testid="what-if-assumptions">
        {assumed === 0
          ? "Every figure rests on what was recorded: no assumption was needed."
          : `Assumed with the change: ${candidate.assumed_accepts} posts with no recorded answer taken as accepted, ` +
            `${candidate.unasked_campaigns} campaigns eligible now but not asked then counted as no bid, ` +
            `${candidate.newly_quoted} pings quoted now that were never posted not counted as sold, ` +
            `${candidate.skipped} auctions of a source or vertical no longer configured left unsold.`}{" "}
        Replayed in {answer.seconds.toFixed(1)} s. The change is measured against the current configuration
        replayed, which rests on the same assumptions.
      </p>
    </div>
  );
}

const signed = (value: number) => (value > 0 ? `+${value}` : value < 0 ? `\u2212${-value}` : "0");
const signedMoney = (value: number) => (value > 0 ? `+${money(value)}` : money(value));

/** From a campaign, source or buyer screen: what a change to this one would have done last week. */
export function WhatIfLink({ kind, id }: { kind: EntityKind; id: string }) {
  return (
    <Link
      to={`/what-if?kind=${kind}&id=${encodeURIComponent(id)}`}
      className="small"
      title={`Replay last week with a change to this ${kind}`}
    >
      What if…
    </Link>
  );
}
