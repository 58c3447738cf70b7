/** Hash routes (`#/partners/acme`): the console is static files, so every page is addressable without the server. */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'home' }
  | { page: 'partners' }
  | { page: 'partner'; id: string }
  | { page: 'ebrs' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '') return { page: 'home' };
  if (path === '/partners') return { page: 'partners' };
  if (path === '/ebrs') return { page: 'ebrs' };
  const partner = /^\/partners\/([^/]+)$/.exec(path);
  if (partner?.[1]) return { page: 'partner', id: decodeURIComponent(partner[1]) };
  return { page: 'not-found', path };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const partnerHref = (id: string): string => `#/partners/${encodeURIComponent(id)}`;
