/** Every workflow the worker registers. */
export { partnerLifecycle } from './partner-lifecycle';
export { upgradeApplication } from './upgrade-application';
export { resellerInvitation } from './reseller-invitation';
export { resellerBilling } from './reseller-billing';
