/** The membership as one pure reducer (see ./step). */
export * from './types';
export { step } from './step';
