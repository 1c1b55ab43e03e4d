// The Gavel console: who is logged in decides the home screen and the menu; the server decides what each may see.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { ApiError, get, type Me, post, type Role, SESSION_ENDED } from "./api.ts";
import { Link, navigate, useLocation } from "./router.tsx";
import { Audit } from "./screens/audit.tsx";
import { BuyerAccount } from "./screens/buyer-account.tsx";
import { BuyerMoney } from "./screens/buyer-money.tsx";
import { BuyerLead, BuyerLeads } from "./screens/buyer-portal.tsx";
import { ConfigCampaigns } from "./screens/campaign-config.tsx";
import { Problem } from "./screens/common.tsx";
import { ConfigBuyers } from "./screens/config-buyers.tsx";
import { ConfigSources } from "./screens/config-sources.tsx";
import { ConfigVerticals } from "./screens/config-verticals.tsx";
import { Dashboard } from "./screens/dashboard.tsx";
import { Health } from "./screens/health.tsx";
import { LeadPage } from "./screens/lead-page.tsx";
import { Leads } from "./screens/leads.tsx";
import { Login } from "./screens/login.tsx";
import { Outbox } from "./screens/outbox.tsx";
import { Privacy } from "./screens/privacy.tsx";
import { Reports } from "./screens/reports.tsx";
import { ReturnsQueue } from "./screens/returns-queue.tsx";
import { SourceIntegration } from "./screens/source-integration.tsx";
import { SourceLeads } from "./screens/source-portal.tsx";
import { Users } from "./screens/users.tsx";
import { WhatIf } from "./screens/what-if.tsx";
import { useData } from "./use-data.ts";
import "./styles.css";

const HOME: Record<Role, string> = { operator: "/", buyer: "/buyer", source: "/source" };

const MENU: Record<Role, [string, string][]> = {
  operator: [
    ["/", "Dashboard"],
    ["/health", "Health"],
    ["/reports", "Reports"],
    // A no-break space: the crowded menu would break the name over two lines.
    ["/what-if", "What\u00a0if"],
    ["/leads", "Leads"],
    ["/returns", "Returns"],
    ["/outbox", "Outbox"],
    ["/users", "Users"],
    ["/audit", "Audit"],
    ["/privacy", "Privacy"],
    ["/config/verticals", "Verticals"],
    ["/config/sources", "Sources"],
    ["/config/buyers", "Buyers"],
    ["/money", "Money"],
    ["/config/campaigns", "Campaigns"],
  ],
  buyer: [
    ["/buyer", "Leads"],
    ["/buyer/account", "Account"],
  ],
  source: [
    ["/source", "Submissions"],
    ["/source/integration", "API key and guide"],
  ],
};

function App() {
  const me = useData("me", async () => {
    try {
      return await get<Me>("/v1/console/me");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  });
  const { path } = useLocation();
  const role = me.data?.user.role;
  // A 401 on any screen means the session expired (or was ended elsewhere): ask again who is logged in, which shows
  // the login instead of "Missing or invalid API key" on every screen.
  const [sessionEnded, setSessionEnded] = useState(false);
  const reloadMe = me.reload;
  useEffect(() => {
    const ended = () => {
      setSessionEnded(true);
      reloadMe();
    };
    window.addEventListener(SESSION_ENDED, ended);
    return () => window.removeEventListener(SESSION_ENDED, ended);
  }, [reloadMe]);
  // A user lands on its own home: the operator's is the dashboard.
  useEffect(() => {
    if (role && role !== "operator" && path === "/") navigate(HOME[role]);
  }, [role, path]);

  if (me.loading && me.data === undefined) return <p className="muted">Loading…</p>;
  if (me.error)
    return (
      <main>
        <Problem error={me.error} />
        <button type="button" onClick={me.reload}>
          Try again
        </button>
      </main>
    );
  if (!me.data) {
    return (
      <Login
        sessionEnded={sessionEnded}
        onLogin={() => {
          if (path === "/login") navigate("/");
          setSessionEnded(false);
          me.reload();
        }}
      />
    );
  }
  const { user, party } = me.data;
  return (
    <>
      <header>
        <strong>Gavel</strong>
        <nav>
          {MENU[user.role].map(([to, label]) => (
            <Link key={to} to={to} className={path === to ? "active" : ""}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {user.email} · {user.role}
          {party ? ` of ${party.name}` : ""}
        </span>
        <button
          type="button"
          className="secondary"
          onClick={async () => {
            await post("/v1/console/logout");
            navigate("/");
            me.reload();
          }}
        >
          Log out
        </button>
      </header>
      <main>{route(path)}</main>
    </>
  );
}

/** Every screen is reachable by any logged-in user; the API it calls refuses what the user's role may not see. */
function route(path: string) {
  const [, first, second, third] = path.split("/");
  if (path === "/" || path === "/login") return <Dashboard />;
  if (first === "leads" && !second) return <Leads />;
  if (first === "leads" && second) return <LeadPage id={decodeURIComponent(second)} />;
  if (first === "returns") return <ReturnsQueue />;
  if (first === "reports") return <Reports />;
  if (first === "what-if") return <WhatIf />;
  if (first === "money") return <BuyerMoney />;
  if (first === "health") return <Health />;
  if (first === "outbox") return <Outbox />;
  if (first === "users") return <Users />;
  if (first === "audit") return <Audit />;
  if (first === "privacy") return <Privacy />;
  if (first === "config" && second === "verticals") return <ConfigVerticals />;
  if (first === "config" && second === "sources") return <ConfigSources />;
  if (first === "config" && second === "buyers") return <ConfigBuyers />;
  if (first === "config" && second === "campaigns") return <ConfigCampaigns />;
  if (first === "buyer" && !second) return <BuyerLeads />;
  if (first === "buyer" && second === "account") return <BuyerAccount />;
  if (first === "buyer" && second === "leads" && third) return <BuyerLead id={decodeURIComponent(third)} />;
  if (first === "source" && second === "integration") return <SourceIntegration />;
  if (first === "source") return <SourceLeads />;
  return <p className="problem">No such page.</p>;
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
