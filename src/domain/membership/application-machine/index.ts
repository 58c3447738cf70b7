/** An upgrade application as one pure reducer (see ./step). */
export * from './types';
export { checkApplicationCommand, newApplication, stepApplication, woken } from './step';
