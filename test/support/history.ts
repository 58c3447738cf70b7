/** Reading workflow histories in tests. */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activity type a local activity's marker records (the SDK core's `core_local_activity` marker). */
export function localActivityType(event: HistoryEvent): string | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  return (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type;
}

/** The activity types a history called, in order: scheduled activities and local activities alike. */
export function activityCalls(events: HistoryEvent[] | null | undefined): string[] {
  return (events ?? []).flatMap((e) => {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityType(e);
    return type ? [type] : [];
  });
}
