import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './client.js';

/** The signed-in client; null while signed out (no page that reads data is rendered then). */
export const ApiContext = createContext<ApiClient | null>(null);

/** The admin API client of a signed-in page. */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi() outside a signed-in page');
  return api;
}
