// A small router over the History API: the console's paths live under /console.
import { useEffect, useState } from "react";

const BASE = "/console";

/** The path inside the console ("/leads/abc"), and the query string. */
export function currentLocation(): { path: string; query: URLSearchParams } {
  const path = window.location.pathname.startsWith(BASE)
    ? window.location.pathname.slice(BASE.length) || "/"
    : "/";
  return { path, query: new URLSearchParams(window.location.search) };
}

export function navigate(to: string): void {
  window.history.pushState(null, "", BASE + to);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function useLocation() {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return location;
}

/** An in-app link: a real <a> (open in a new tab works), navigated without a reload. */
export function Link(props: { to: string; children: React.ReactNode; className?: string; title?: string }) {
  return (
    <a
      href={BASE + props.to}
      className={props.className}
      title={props.title}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
