/**
 * The typed /v1 client (openapi-fetch over the types generated from the API's OpenAPI document) with the signed-in
 * user's bearer token, and the one shape every answer is turned into: data, or the problem the API (or the network)
 * gave, in words.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { currentToken } from '../session';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
});

export type Outcome<T> = { ok: true; data: T; status: number; replayed: boolean } | { ok: false; problem: Problem };

interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'title' in value && 'status' in value;
}

/** Awaits an openapi-fetch call; never throws. */
export async function call<R extends FetchResult>(request: Promise<R>): Promise<Outcome<NonNullable<R['data']>>> {
  try {
    const { data, error, response } = await request;
    if (response.ok) {
      return {
        ok: true,
        data: data as NonNullable<R['data']>,
        status: response.status,
        replayed: response.headers.get('Idempotent-Replayed') === 'true',
      };
    }
    if (isProblem(error)) return { ok: false, problem: error };
    return {
      ok: false,
      problem: {
        type: 'about:blank',
        title: response.statusText || 'Request failed',
        status: response.status,
        detail: typeof error === 'string' && error !== '' ? error : `The engine answered ${response.status}.`,
      },
    };
  } catch (err) {
    return {
      ok: false,
      problem: {
        type: 'about:blank',
        title: 'No answer',
        status: 0,
        detail: `The engine could not be reached (${err instanceof Error ? err.message : String(err)}). Try again.`,
      },
    };
  }
}

/** A fresh Idempotency-Key: random, so two submissions never share one. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return `console-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export interface ConsoleConfig {
  temporalUiUrl: string | null;
  temporalNamespace: string;
  signIn: 'dev-tokens' | 'oidc';
  /** The engine's business date and the EBR window it falls in or before. */
  today: string;
  ebrWindow: { id: string; opensOn: string; closesOn: string };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(new URL('config.json', window.location.href.split('#')[0]));
  if (!response.ok) throw new Error(`GET /console/config.json answered ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}
