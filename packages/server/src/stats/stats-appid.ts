/**
 * The app a login is counted under in `login_stats`: the appid it named when that app is configured, the only app
 * when it named none, else `""` (a request naming no configured app: counted, so a flood of them shows, but never
 * under a string the client chose).
 */
export function statsAppid(configured: readonly { appid: string }[], requested: string | undefined): string {
  if (requested === undefined || requested === '') return configured.length === 1 ? configured[0]!.appid : '';
  return configured.some((app) => app.appid === requested) ? requested : '';
}
