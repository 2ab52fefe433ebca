/** redis:// or rediss:// (TLS); user and password may be in the URL. */
export const REDIS_URL_PATTERN = /^rediss?:\/\/[^\s]+$/;

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//***@');
  }
}
