/** What the page shows of who is signed in, read from the access token (not trusted: display only). */
export interface Identity {
  subject: string;
  org: string;
  roles: string[];
}

/** Reads the display claims of a JWT access token; the servers verify it, the page only shows it. */
export function identityOf(accessToken: string): Identity {
  const part = accessToken.split(".")[1];
  if (!part) {
    return { subject: "unknown", org: "", roles: [] };
  }
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  const claims = JSON.parse(decodeURIComponent(escape(json))) as {
    sub?: string;
    preferred_username?: string;
    org?: string;
    realm_access?: { roles?: string[] };
  };
  const known = new Set(["admin", "developer", "viewer"]);
  return {
    subject: claims.preferred_username ?? claims.sub ?? "unknown",
    org: claims.org ?? "",
    roles: (claims.realm_access?.roles ?? []).filter((r) => known.has(r)),
  };
}
