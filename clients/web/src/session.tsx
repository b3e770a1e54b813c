import { createContext, useContext } from "react";
import type { Api } from "./api/transport.js";
import type { Identity } from "./auth/claims.js";
import type { ConsoleConfig } from "./config.js";

/** What every page may use: the clients, who is signed in, and how to change that. */
export interface ConsoleSession {
  api: Api;
  identity: Identity;
  config: ConsoleConfig;
  signOut: () => void;
  /** Dev issuer only: signs in again as {@code org} with {@code roles}. */
  switchTo?: (org: string, roles: string[]) => void;
}

const Context = createContext<ConsoleSession | undefined>(undefined);

export const SessionProvider = Context.Provider;

/** The signed-in session; pages only render inside one. */
export function useSession(): ConsoleSession {
  const session = useContext(Context);
  if (!session) {
    throw new Error("useSession outside a signed-in console");
  }
  return session;
}
