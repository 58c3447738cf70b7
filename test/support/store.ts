/** An in-memory PGlite store for workflow and API suites (run them under test/store/pglite-environment.ts). */
import { createStore, type Store } from '../../src/store';
import { newPglite } from '../store/pg';

export async function openTestStore(): Promise<Store> {
  return await createStore({ pglite: newPglite() });
}
