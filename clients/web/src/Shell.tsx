import { useState, type FormEvent } from "react";
import { href, useRoute } from "./router.js";
import { useSession } from "./session.js";
import { ApiKeysPage } from "./pages/ApiKeysPage.js";
import { AuditPage } from "./pages/AuditPage.js";
import { DeploymentsPage } from "./pages/DeploymentsPage.js";
import { ExecutionPage } from "./pages/ExecutionPage.js";
import { ExecutionsPage } from "./pages/ExecutionsPage.js";
import { GatewaysPage } from "./pages/GatewaysPage.js";
import { PanelsPage } from "./pages/PanelsPage.js";
import { SessionsPage } from "./pages/SessionsPage.js";
import { TracesPage } from "./pages/TracesPage.js";
import { WorkflowPage } from "./pages/WorkflowPage.js";
import { WorkflowsPage } from "./pages/WorkflowsPage.js";

const PAGES: { page: string; label: string; needsGateway?: boolean }[] = [
  { page: "workflows", label: "Workflows" },
  { page: "deployments", label: "Deployments" },
  { page: "executions", label: "Executions", needsGateway: true },
  { page: "sessions", label: "Sessions", needsGateway: true },
  { page: "gateways", label: "Gateways" },
  { page: "keys", label: "API keys" },
  { page: "panels", label: "Panels" },
  { page: "audit", label: "Audit" },
  { page: "traces", label: "Traces" },
];

/** The signed-in frame: who is signed in, the navigation, and the current page. */
export function Shell() {
  const { identity, signOut, config } = useSession();
  const route = useRoute();
  const pages = PAGES.filter((p) => !p.needsGateway || config.gatewayUrl);
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" href={href("workflows")}>
          Nexus Mesh
        </a>
        <span className="who" aria-label="Signed in as">
          {identity.subject} · <strong>{identity.org}</strong> · {identity.roles.join(", ")}
        </span>
        <DevSwitch />
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Pages" className="nav">
        <ul>
          {pages.map((p) => (
            <li key={p.page}>
              <a href={href(p.page)} aria-current={route.page === p.page ? "page" : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main className="page" aria-live="polite">
        <Page page={route.page} id={route.id} />
      </main>
    </div>
  );
}

function Page({ page, id }: { page: string; id?: string }) {
  switch (page) {
    case "workflows":
      return id ? <WorkflowPage id={id} /> : <WorkflowsPage />;
    case "deployments":
      return <DeploymentsPage />;
    case "executions":
      return id ? <ExecutionPage id={id} /> : <ExecutionsPage />;
    case "sessions":
      return <SessionsPage id={id} />;
    case "gateways":
      return <GatewaysPage />;
    case "keys":
      return <ApiKeysPage />;
    case "panels":
      return <PanelsPage />;
    case "audit":
      return <AuditPage />;
    case "traces":
      return <TracesPage id={id} />;
    default:
      return <p role="alert">No page {page}: pick one from the navigation.</p>;
  }
}

/** Dev issuer only: sign in again as any organisation and role. */
function DevSwitch() {
  const { switchTo, identity } = useSession();
  const [open, setOpen] = useState(false);
  const [org, setOrg] = useState(identity.org);
  const [role, setRole] = useState(identity.roles[0] ?? "admin");
  if (!switchTo) {
    return null;
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    switchTo(org.trim(), [role]);
  };
  return (
    <div className="switch">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Switch org or role
      </button>
      {open && (
        <form onSubmit={submit} aria-label="Dev sign-in as">
          <label>
            Org <input value={org} onChange={(e) => setOrg(e.target.value)} required />
          </label>
          <label>
            Role{" "}
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              <option>admin</option>
              <option>developer</option>
              <option>viewer</option>
            </select>
          </label>
          <button type="submit">Sign in as</button>
        </form>
      )}
    </div>
  );
}
