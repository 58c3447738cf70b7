/** The pure domain: evidence schemas, the requirement catalog and evaluateScorecard. No I/O, no clock. */
export * from './catalog';
export * from './dates';
export * from './ebr';
export * from './evidence';
export * from './scorecard';
export * from './tiers';
export { formatUsd } from './text';
export * from './membership/calendar';
export * from './partner';
