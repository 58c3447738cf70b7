/** Sign-in: the links `npm start` prints sign in by themselves; otherwise paste a token from your identity provider. */
import { useState, type FormEvent } from 'react';
import type { ConsoleConfig } from '../api/client';

export function SignInPage({
  config,
  onSignIn,
  problem,
}: {
  config: ConsoleConfig;
  onSignIn: (t: string) => void;
  problem?: string;
}) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) onSignIn(token.trim());
  };
  return (
    <>
      <h1>Sign in</h1>
      {config.signIn === 'dev-tokens' ? (
        <p>
          On the embedded default, <code>npm start</code> prints one console link per role; opening one signs you in
          with that role’s dev token. You can also paste a token from <code>npx apn token</code>.
        </p>
      ) : (
        <p>
          Sign in through your identity provider: its redirect brings you back here signed in. If it did not, paste the
          access token it issued you.
        </p>
      )}
      {problem && (
        <div className="problem" role="alert">
          <p>{problem}</p>
        </div>
      )}
      <form onSubmit={submit} aria-label="Sign in with a token" className="panel">
        <label>
          API token (JWT)
          <textarea
            name="token"
            rows={4}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            required
          />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </>
  );
}
