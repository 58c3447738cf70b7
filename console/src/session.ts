/**
 * Who is signed in. The token arrives in the URL fragment (`#token=…` from the links `npm start` prints, or
 * `#access_token=…` from an identity provider's redirect), which the browser never sends to a server; it is kept in
 * this tab's sessionStorage and removed from the address bar at once. The role shown is read from the token for
 * navigation only: the API decides what the user may see and do.
 */
const KEY = 'apn-console-token';

export interface Identity {
  sub: string;
  role: string;
  partnerId?: string;
  expiresAt?: Date;
}

let token: string | null = null;
try {
  token = sessionStorage.getItem(KEY);
} catch {
  token = null;
}

export function currentToken(): string | null {
  return token;
}

export function signIn(value: string): void {
  token = value.trim();
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Private modes may refuse storage: the token then lives until the tab reloads.
  }
}

export function signOut(): void {
  token = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

/** Takes a token out of the fragment, if there is one, and leaves `#/` in its place. */
export function takeTokenFromFragment(): boolean {
  const fragment = window.location.hash.replace(/^#/, '');
  if (!/^(token|access_token)=/.test(fragment)) return false;
  const params = new URLSearchParams(fragment);
  const value = params.get('token') ?? params.get('access_token');
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/`);
  if (!value) return false;
  signIn(value);
  return true;
}

function base64UrlDecode(part: string): string {
  const padded = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
}

/** The token's claims, unverified (the API verifies); undefined when it is not a JWT. */
export function identityOf(value: string | null): Identity | undefined {
  if (!value) return undefined;
  const payload = value.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
    if (typeof claims.sub !== 'string' || typeof claims.role !== 'string') return undefined;
    return {
      sub: claims.sub,
      role: claims.role,
      ...(typeof claims.partner === 'string' ? { partnerId: claims.partner } : {}),
      ...(typeof claims.exp === 'number' ? { expiresAt: new Date(claims.exp * 1000) } : {}),
    };
  } catch {
    return undefined;
  }
}
