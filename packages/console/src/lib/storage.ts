// Storage can throw (disabled cookies, some private modes): the console then just forgets between loads.

/** A value of `sessionStorage` or `localStorage`, or null. */
export function readStored(area: 'session' | 'local', key: string): string | null {
  try {
    return (area === 'session' ? sessionStorage : localStorage).getItem(key);
  } catch {
    return null;
  }
}

/** Stores a value, or removes it when `value` is null. */
export function writeStored(area: 'session' | 'local', key: string, value: string | null): void {
  try {
    const storage = area === 'session' ? sessionStorage : localStorage;
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    // Nothing to do: see above.
  }
}
