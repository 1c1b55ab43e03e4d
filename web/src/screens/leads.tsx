// The operator's leads, sorted and paged on the server (keyset: ?before=<lead id>): newest first, or by a column header
// (created, buyer paid, source paid), each way; filtered by buyer, campaign, vertical, source, sub-id, status, test
// traffic, returned and dates (in this browser's time zone); the whole filtered list exported as CSV, streamed by
// the exchange; or one consumer's leads, found by their email or phone.
import { useState } from "react";
import type { AdminLead } from "../../../src/http/lead-schemas.ts";
import type { LeadSort } from "../../../src/store/store.ts";
import { get, money, when } from "../api.ts";
import { Link, navigate } from "../router.tsx";
import { useData } from "../use-data.ts";
import { useLeadPages } from "../use-pages.ts";
import { Badge, idMatches, Pager, Problem, shortId } from "./common.tsx";

/** The orders the exchange sorts leads by (LEAD_SORTS in the store, which the admin API validates against). */
type Sort = LeadSort;
interface Order {
  sort: Sort;
  direction: "desc" | "asc";
}

// What the pager's buttons say: the way each goes in the order.
function pagerLabels({ sort, direction }: Order): { back: string; forward: string } {
  const [top, bottom] = sort === "created_at" ? ["Newer", "Older"] : ["Higher", "Lower"];
  return direction === "desc" ? { back: top, forward: bottom } : { back: bottom, forward: top };
}

/** A header that sorts by its column: highest (newest) first on the first click, then the other way at each click. */
function SortHeader(props: { sort: Sort; order: Order; onOrder: (order: Order) => void; children: string }) {
  const { sort, order, onOrder } = props;
  const active = order.sort === sort;
  return (
    <th
      className={sort === "created_at" ? "" : "num"}
      aria-sort={active ? (order.direction === "desc" ? "descending" : "ascending") : "none"}
    >
      <button
        type="button"
        className="sort"
        data-testid={`sort-${sort}`}
        title={
          sort === "buyer_price" ? "An unsold lead has no buyer price: it sorts below every price" : undefined
        }
        onClick={() => onOrder({ sort, direction: active && order.direction === "desc" ? "asc" : "desc" })}
      >
        {props.children}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (order.direction === "desc" ? " ▼" : " ▲") : " ↕"}
        </span>
      </button>
    </th>
  );
}

interface Filters {
  buyer_id: string;
  campaign_id: string;
  vertical: string;
  sub_id: string;
  test: string;
  returned: string;
  /** yyyy-mm-dd, a day in this browser's time zone. */
  from: string;
  to: string;
}

const NO_FILTERS: Filters = {
  buyer_id: "",
  campaign_id: "",
  vertical: "",
  sub_id: "",
  test: "",
  returned: "",
  from: "",
  to: "",
};

/** The instant a local day starts (`plusDays` later), as the API reads it; "" for no day. */
function startOfDay(day: string, plusDays = 0): string {
  if (!day) return "";
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year!, month! - 1, date! + plusDays).toISOString();
}

/** The ids the filters offer: the configuration's buyers, campaigns and verticals. */
async function loadChoices() {
  const ids = async (plural: string) =>
    (await get<Record<string, { id: string }[]>>(`/v1/admin/${plural}`))[plural]?.map((entry) => entry.id) ??
    [];
  const [buyers, campaigns, verticals] = await Promise.all([
    ids("buyers"),
    ids("campaigns"),
    ids("verticals"),
  ]);
  return { buyers, campaigns, verticals };
}

export function Leads() {
  const [status, setStatus] = useState("");
  const [source, setSource] = useState("");
  const [leadId, setLeadId] = useState("");
  // The consumer searched for (applied on submit: a half-typed email is not a search), and what is being typed.
  const [contact, setContact] = useState("");
  const [contactInput, setContactInput] = useState("");
  const [order, setOrder] = useState<Order>({ sort: "created_at", direction: "desc" });
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const setFilter = (name: keyof Filters, value: string) =>
    setFilters((current) => ({ ...current, [name]: value }));
  const choices = useData("lead-filter-choices", loadChoices);
  const filterQuery = {
    status,
    source_id: source,
    buyer_id: filters.buyer_id,
    campaign_id: filters.campaign_id,
    vertical: filters.vertical,
    sub_id: filters.sub_id.trim(),
    test: filters.test,
    returned: filters.returned,
    from: startOfDay(filters.from),
    to: startOfDay(filters.to, 1),
  };
  // Any change of filter or order starts again from the first page (the hook keys its cursors by the query).
  const { leads, error, pager } = useLeadPages<AdminLead>("/v1/admin/leads", {
    ...filterQuery,
    sort: order.sort,
    direction: order.direction,
    contact,
  });
  const exportQuery = new URLSearchParams({ sort: order.sort, direction: order.direction });
  for (const [name, value] of Object.entries(filterQuery)) if (value) exportQuery.set(name, value);
  const select = (name: keyof Filters, label: string, options: readonly (readonly [string, string])[]) => (
    <label className="filter">
      {label}
      <select name={name} value={filters[name]} onChange={(event) => setFilter(name, event.target.value)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
  const any = (ids: readonly string[] | undefined) => [
    ["", "any"] as const,
    ...(ids ?? []).map((id) => [id, id] as const),
  ];
  return (
    <section>
      <h2>Leads</h2>
      <div className="toolbar">
        <select aria-label="status" value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="">all</option>
          <option value="sold">sold</option>
          <option value="unsold">unsold</option>
        </select>{" "}
        <input
          aria-label="source id"
          placeholder="source id"
          value={source}
          onChange={(event) => setSource(event.target.value.trim())}
        />{" "}
        <form
          className="inline lookup"
          onSubmit={(event) => {
            event.preventDefault();
            const typed = leadId.trim();
            if (!typed) return;
            // The list shows ids cut short (shortId): the short id of a lead on screen opens that lead.
            const shown = leads.find((lead) => idMatches(lead.id, typed));
            navigate(`/leads/${encodeURIComponent(shown?.id ?? typed)}`);
          }}
        >
          <input
            name="lead-id"
            aria-label="open a lead by id"
            placeholder="open a lead by id"
            value={leadId}
            onChange={(e) => setLeadId(e.target.value)}
          />
          <button type="submit" className="secondary">
            Open
          </button>
        </form>{" "}
        <form
          className="inline lookup"
          onSubmit={(event) => {
            event.preventDefault();
            setContact(contactInput.trim());
          }}
        >
          <input
            name="contact"
            aria-label="consumer email or phone"
            placeholder="consumer email or phone"
            value={contactInput}
            onChange={(e) => setContactInput(e.target.value)}
          />
          <button type="submit" className="secondary">
            Find
          </button>
          {contact && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setContact("");
                setContactInput("");
              }}
            >
              All leads
            </button>
          )}
        </form>
      </div>
      <div className="toolbar lead-filters" data-testid="lead-filters">
        {select("buyer_id", "buyer", any(choices.data?.buyers))}
        {select("campaign_id", "campaign", any(choices.data?.campaigns))}
        {select("vertical", "vertical", any(choices.data?.verticals))}
        <label className="filter">
          sub-id
          <input
            name="sub_id"
            value={filters.sub_id}
            onChange={(event) => setFilter("sub_id", event.target.value)}
          />
        </label>
        {select("test", "traffic", [
          ["", "live and test"],
          ["false", "live only"],
          ["true", "test only"],
        ])}
        {select("returned", "returned", [
          ["", "either"],
          ["true", "returned"],
          ["false", "not returned"],
        ])}
        <label className="filter">
          from
          <input
            type="date"
            name="from"
            value={filters.from}
            onChange={(event) => setFilter("from", event.target.value)}
          />
        </label>
        <label className="filter">
          to (including)
          <input
            type="date"
            name="to"
            value={filters.to}
            onChange={(event) => setFilter("to", event.target.value)}
          />
        </label>
        <button type="button" className="secondary" onClick={() => setFilters(NO_FILTERS)}>
          Clear filters
        </button>
        <a
          className="button secondary"
          data-testid="export-leads"
          href={`/v1/admin/leads.csv?${exportQuery}`}
          download="gavel-leads.csv"
        >
          Export CSV (every lead these filters match)
        </a>
      </div>
      {contact && (
        <p className="muted" data-testid="contact-search">
          The leads of {contact}, found by its hash (at most the 500 newest).
        </p>
      )}
      <Problem error={error} />
      <table data-testid="leads-table">
        <thead>
          <tr>
            <th>lead</th>
            <SortHeader sort="created_at" order={order} onOrder={setOrder}>
              created
            </SortHeader>
            <th>source</th>
            <th>vertical</th>
            <th>status</th>
            <th>buyer</th>
            <SortHeader sort="buyer_price" order={order} onOrder={setOrder}>
              buyer paid
            </SortHeader>
            <SortHeader sort="price" order={order} onOrder={setOrder}>
              source paid
            </SortHeader>
          </tr>
        </thead>
        <tbody>
          {leads.map((lead) => (
            <tr key={lead.id}>
              <td>
                <Link to={`/leads/${lead.id}`} title={`open lead ${lead.id}`}>
                  {shortId(lead.id)}
                </Link>
                {lead.test && <Badge value="test" />}
              </td>
              <td>{when(lead.created_at)}</td>
              <td>{lead.source_id}</td>
              <td>{lead.vertical}</td>
              <td data-testid={`lead-list-status-${lead.id}`}>
                {/* A returned lead stays "sold" in the store; the server says it was returned and refunded. */}
                <Badge value={lead.returned ? "returned" : lead.status} />
              </td>
              <td>{lead.buyer_id ?? "—"}</td>
              <td className="num">{money(lead.buyer_price)}</td>
              <td className="num">{money(lead.price)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager {...pager} labels={pagerLabels(order)} />
    </section>
  );
}
