/** Free text cut to its column's length, so a long User-Agent never fails a login. */
export function bounded(value: string | null, length: number): string | null {
  return value === null ? null : value.slice(0, length);
}
