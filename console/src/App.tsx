/** The console's frame: who is signed in, the navigation their role needs, and the page of the current route. */
import { useState } from 'react';
import type { ConsoleConfig } from './api/client';
import { EbrsPage } from './pages/Ebrs';
import { PartnerPage } from './pages/Partner';
import { PartnersPage } from './pages/Partners';
import { SignInPage } from './pages/SignIn';
import { partnerHref, useRoute } from './router';
import { currentToken, identityOf, signIn, signOut } from './session';

const MANAGERS = new Set(['program-admin', 'partner-manager']);

export function App({ config }: { config: ConsoleConfig }) {
  const [token, setToken] = useState(currentToken);
  const route = useRoute();
  const identity = identityOf(token);

  if (!token || !identity) {
    return (
      <main id="main">
        <SignInPage
          config={config}
          problem={token ? 'That is not a token this console can read (a JWT with `sub` and `role`).' : undefined}
          onSignIn={(t) => {
            signIn(t);
            setToken(t);
            window.location.hash = '#/';
          }}
        />
      </main>
    );
  }

  const manager = MANAGERS.has(identity.role);
  let page;
  switch (route.page) {
    case 'home':
      if (manager) page = <PartnersPage />;
      else if (identity.partnerId) page = <PartnerPage id={identity.partnerId} identity={identity} config={config} />;
      else
        page = (
          <>
            <h1>Welcome</h1>
            <p>
              Your role, {identity.role}, has no list of partners. Open a partner by its address:{' '}
              <code>#/partners/&lt;id&gt;</code>.
            </p>
          </>
        );
      break;
    case 'partners':
      page = <PartnersPage />;
      break;
    case 'partner':
      page = <PartnerPage key={route.id} id={route.id} identity={identity} config={config} />;
      break;
    case 'ebrs':
      page = <EbrsPage role={identity.role} config={config} />;
      break;
    default:
      page = (
        <>
          <h1>Not found</h1>
          <p>There is no page {route.path}.</p>
        </>
      );
  }

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">APN tier console</span>
        <nav aria-label="Main">
          <ul>
            {manager && (
              <li>
                <a href="#/partners">Partners</a>
              </li>
            )}
            {manager && (
              <li>
                <a href="#/ebrs">EBR queue</a>
              </li>
            )}
            {identity.partnerId && (
              <li>
                <a href={partnerHref(identity.partnerId)}>My partner</a>
              </li>
            )}
          </ul>
        </nav>
        <span className="who" data-testid="who">
          {identity.sub} · {identity.role}
          {identity.partnerId ? ` · ${identity.partnerId}` : ''}
        </span>
        <button
          type="button"
          onClick={() => {
            signOut();
            setToken(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
