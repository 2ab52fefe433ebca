/**
 * An ISO timestamp as a reader wants it: the date alone for a bar at midnight UTC (daily data),
 * else date and time to the minute (to the second when it has seconds), UTC.
 */
export function timeText(iso: string): string {
  const time = iso.slice(11, 19);
  if (time === '' || time === '00:00:00') return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${time.endsWith(':00') ? time.slice(0, 5) : time}`;
}
