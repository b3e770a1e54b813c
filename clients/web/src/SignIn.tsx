import type { ConsoleConfig } from "./config.js";

/** The signed-out page: how to sign in here, and what went wrong last time. */
export function SignIn(props: { config: ConsoleConfig; problem?: string; onSignIn?: () => void }) {
  const { config, problem, onSignIn } = props;
  return (
    <main className="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Nexus Mesh console</h1>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {config.devSignIn ? (
        <p>
          This is a dev stack. Open the sign-in link <code>./nexus dev</code> printed (it signs you in
          as the <code>demo</code> admin, once); after that this browser stays signed in and can switch
          to any organisation and role.
        </p>
      ) : (
        <p>Sign in with your organisation's identity provider.</p>
      )}
      {onSignIn && (
        <button type="button" onClick={onSignIn}>
          Sign in
        </button>
      )}
    </main>
  );
}
