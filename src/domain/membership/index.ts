/**
 * A partner's membership as pure rules (no I/O, no clock, no Temporal): its calendar and fees, its state, what falls
 * due next, every command's check, the application steps and the at-risk rule. The lifecycle workflows feed it.
 */
export * from './calendar';
export * from './types';
export * from './schedule';
export * from './checks';
export * from './application';
export * from './invoices';
export * from './machine';
