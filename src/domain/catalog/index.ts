/** R-CAT: the catalog editions known to the engine. */
import { apn2019 } from './apn-2019';
import type { Edition } from './types';

export * from './types';
export { apn2019 } from './apn-2019';

const EDITIONS: ReadonlyMap<string, Edition> = new Map([[apn2019.id, apn2019]]);

/** The edition in force. */
export const currentEdition: Edition = apn2019;

/** Ids of every known edition. */
export function editionIds(): string[] {
  return [...EDITIONS.keys()];
}

/** An edition by id, or undefined. */
export function findEdition(id: string): Edition | undefined {
  return EDITIONS.get(id);
}

/** An edition by id; throws RangeError for an unknown id. */
export function getEdition(id: string): Edition {
  const edition = EDITIONS.get(id);
  if (!edition) throw new RangeError(`unknown catalog edition '${id}' (known: ${editionIds().join(', ')})`);
  return edition;
}
