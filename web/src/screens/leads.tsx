// The operator's leads, sorted and paged on the server (keyset: ?before=<lead id>): newest first, or by a column header
// (created, buyer paid, source paid), each way; or one consumer's leads, found by their email or phone.
import { useState } from "react";
import type { AdminLead } from "../../../src/http/lead-schemas.ts";
import type { LeadSort } from "../../../src/store/store.ts";
import { money, when } from "../api.ts";
import { Link, navigate } from "../router.tsx";
import { useLeadPages } from "../use-pages.ts";
import { Badge, Pager, Problem } from "./common.tsx";

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

export function Leads() {
  const [status, setStatus] = useState("");
  const [source, setSource] = useState("");
  const [leadId, setLeadId] = useState("");
  // The consumer searched for (applied on submit: a half-typed email is not a search), and what is being typed.
  const [contact, setContact] = useState("");
  const [contactInput, setContactInput] = useState("");
  const [order, setOrder] = useState<Order>({ sort: "created_at", direction: "desc" });
  // Any change of filter or order starts again from the first page (the hook keys its cursors by the query).
  const { leads, error, pager } = useLeadPages<AdminLead>("/v1/admin/leads", {
    status,
    source_id: source,
    sort: order.sort,
    direction: order.direction,
    contact,
  });
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
            // The list shows ids cut short: a short id of a lead on screen opens that lead.
            const shown = leads.find((lead) => lead.id === typed || lead.id.startsWith(typed));
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
                  {lead.id.slice(0, 12)}
                </Link>
                {lead.test && <Badge value="test" />}
              </td>
              <td>{when(lead.created_at)}</td>
              <td>{lead.source_id}</td>
              <td>{lead.vertical}</td>
              <td>
                <Badge value={lead.status} />
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
