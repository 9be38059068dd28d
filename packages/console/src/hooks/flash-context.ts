import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** A message about what an action did (`status`) or why it failed (`alert`). */
export interface Flash {
  kind: 'status' | 'alert';
  text: string;
  /** Survives the next route change (a deletion's notice, shown on the list it returns to). */
  sticky: boolean;
}

/** Shows a flash message, replacing the last one; null clears it. */
export type Notify = (flash: Flash | null) => void;

/** Provided by the app shell, which shows the message above the page. */
export const FlashContext = createContext<Notify>(() => {});

/** The app's {@link Notify}. */
export function useNotify(): Notify {
  return useContext(FlashContext);
}
