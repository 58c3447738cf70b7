/**
 * Typed custom search attributes: how people find partners in the Temporal Web UI and with
 * `temporal workflow list --query 'ApnTier="advanced" AND ApnAtRisk=true'`. Registered at start-up.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ApnPartnerId = defineSearchAttributeKey('ApnPartnerId', SearchAttributeType.KEYWORD);
export const ApnTrack = defineSearchAttributeKey('ApnTrack', SearchAttributeType.KEYWORD);
export const ApnTier = defineSearchAttributeKey('ApnTier', SearchAttributeType.KEYWORD);
export const ApnLifecycleStage = defineSearchAttributeKey('ApnLifecycleStage', SearchAttributeType.KEYWORD);
export const ApnAtRisk = defineSearchAttributeKey('ApnAtRisk', SearchAttributeType.BOOL);
/** An incident is open: work failed for a business reason and waits for an operator (retry or dismiss). */
export const ApnNeedsAttention = defineSearchAttributeKey('ApnNeedsAttention', SearchAttributeType.BOOL);
/** The next membership renewal review date. */
export const ApnRenewalDate = defineSearchAttributeKey('ApnRenewalDate', SearchAttributeType.DATETIME);
/** The EBR window an application is scheduled into, e.g. `2019-Q3`. */
export const ApnNextEbrWindow = defineSearchAttributeKey('ApnNextEbrWindow', SearchAttributeType.KEYWORD);

export const APN_SEARCH_ATTRIBUTES = [
  ApnPartnerId,
  ApnTrack,
  ApnTier,
  ApnLifecycleStage,
  ApnAtRisk,
  ApnNeedsAttention,
  ApnRenewalDate,
  ApnNextEbrWindow,
] as const;

/** CLI spelling of each type, for `temporal server start-dev --search-attribute Name=Type`. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, string> = Object.fromEntries(
  APN_SEARCH_ATTRIBUTES.map((key) => [key.name, cliType(key.type)]),
);

function cliType(type: SearchAttributeType): string {
  switch (type) {
    case SearchAttributeType.KEYWORD:
      return 'Keyword';
    case SearchAttributeType.BOOL:
      return 'Bool';
    case SearchAttributeType.DATETIME:
      return 'Datetime';
    case SearchAttributeType.INT:
      return 'Int';
    case SearchAttributeType.DOUBLE:
      return 'Double';
    case SearchAttributeType.TEXT:
      return 'Text';
    case SearchAttributeType.KEYWORD_LIST:
      return 'KeywordList';
  }
}
