import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from '../lib/route.js';
import { tokenHandoff } from '../lib/token-handoff.js';

/**
 * The route of `location.hash`, following its changes. A `#token=` link opened in a tab that already shows the
 * console is only a hash change, not a load: it is handed off here the same way as at start-up (out of the URL at
 * once, to `onToken`), so the token is never rendered as a route.
 */
export function useHashRoute(onToken: (token: string) => void): { route: Route; hash: string } {
  const [hash, setHash] = useState(() => location.hash);
  useEffect(() => {
    const onChange = () => {
      const handoff = tokenHandoff(location.hash, location.pathname);
      if (handoff.replaceUrl !== null) history.replaceState(null, '', handoff.replaceUrl);
      if (handoff.store !== null) onToken(handoff.store);
      setHash(location.hash);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, [onToken]);
  return { route: parseRoute(hash), hash };
}

/** Goes to `hash` (a history entry, so Back works). */
export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}
