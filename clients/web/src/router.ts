import { useEffect, useState } from "react";

/** A route: the page's name and the rest of the path (e.g. an id). */
export interface Route {
  page: string;
  id?: string;
}

/** Reads {@code #/page/id}. */
export function parseRoute(hash: string): Route {
  const [page, ...rest] = hash.replace(/^#\/?/, "").split("/");
  return { page: page || "workflows", id: rest.length ? decodeURIComponent(rest.join("/")) : undefined };
}

/** The hash route, following the address bar. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** The href of a page. */
export function href(page: string, id?: string): string {
  return id ? `#/${page}/${encodeURIComponent(id)}` : `#/${page}`;
}
