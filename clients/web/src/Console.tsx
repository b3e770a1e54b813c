import { useEffect, useMemo, useState } from "react";
import { createApi, MANAGEMENT } from "./api/transport.js";
import { identityOf } from "./auth/claims.js";
import { OidcClient } from "./auth/oidc.js";
import { TokenStore } from "./auth/tokens.js";
import { loadConfig, type ConsoleConfig } from "./config.js";
import { Shell } from "./Shell.js";
import { SessionProvider, type ConsoleSession } from "./session.js";
import { SignIn } from "./SignIn.js";

const SILENT_TRIED = "nexus.console.silent";

type State =
  | { kind: "starting" }
  | { kind: "signedOut"; config: ConsoleConfig; oidc?: OidcClient; problem?: string }
  | { kind: "signedIn"; session: ConsoleSession };

/** The whole page: sign-in, then the shell with its pages. */
export function Console() {
  const [state, setState] = useState<State>({ kind: "starting" });
  useEffect(() => {
    start(setState).catch((e) => {
      document.title = "Nexus Mesh console: not started";
      setState({
        kind: "signedOut",
        config: { issuer: "", clientId: "", gatewayUrl: "", devSignIn: false },
        problem: `The console could not start: ${String(e)}`,
      });
    });
  }, []);
  const content = useMemo(() => {
    switch (state.kind) {
      case "starting":
        return <p role="status">Signing in…</p>;
      case "signedOut":
        return <SignIn config={state.config} problem={state.problem} onSignIn={state.oidc && (() => void state.oidc!.begin())} />;
      case "signedIn":
        return (
          <SessionProvider value={state.session}>
            <Shell />
          </SessionProvider>
        );
    }
  }, [state]);
  return content;
}

async function start(setState: (state: State) => void): Promise<void> {
  const config = await loadConfig();
  const oidc = new OidcClient(config);
  const url = new URL(location.href);
  const signInCode = url.searchParams.get("sign_in");
  if (signInCode) {
    // A one-time link from `nexus dev`: spent at the issuer, never kept in the address bar.
    history.replaceState(null, "", `${url.pathname}${url.hash}`);
    await oidc.begin({ sign_in: signInCode });
    return;
  }
  const back = await oidc.complete(url);
  if (back.kind === "failed") {
    const quiet = back.silent && back.error === "login_required";
    setState({
      kind: "signedOut",
      config,
      oidc,
      problem: quiet ? undefined : `${back.error}: ${back.description}`,
    });
    return;
  }
  if (back.kind === "none") {
    if (!sessionStorage.getItem(SILENT_TRIED)) {
      // The issuer may still know this browser (its own session cookie): sign in without a prompt.
      sessionStorage.setItem(SILENT_TRIED, "1");
      await oidc.begin({ prompt: "none" });
      return;
    }
    setState({ kind: "signedOut", config, oidc });
    return;
  }
  sessionStorage.removeItem(SILENT_TRIED);
  const refreshToken = back.refreshToken;
  const tokens = new TokenStore(
    (audience) => oidc.refresh(refreshToken, audience === MANAGEMENT ? undefined : audience),
    () => setState({ kind: "signedOut", config, oidc, problem: "Your sign-in has ended: sign in again." }),
  );
  tokens.put(MANAGEMENT, back.access);
  if (back.returnTo) {
    location.hash = back.returnTo;
  }
  const session: ConsoleSession = {
    api: createApi((audience) => tokens.get(audience), location.origin, config.gatewayUrl),
    identity: identityOf(back.access.value),
    config,
    signOut: () => {
      tokens.clear();
      void oidc.revoke(refreshToken);
      sessionStorage.setItem(SILENT_TRIED, "1");
      setState({ kind: "signedOut", config, oidc, problem: "Signed out." });
    },
    switchTo: config.devSignIn
      ? (org, roles) => {
          tokens.clear();
          void oidc.begin({ org, role: roles });
        }
      : undefined,
  };
  setState({ kind: "signedIn", session });
}
