import { useCallback, useEffect, useState } from 'preact/hooks';
import { UnauthorizedError } from '../api/errors.js';

/** Data loaded for a page, with its failure and a way to load it again. */
export interface Resource<T> {
  /** The last data loaded for the current key (kept while reloading or after a failed reload). */
  data: T | undefined;
  /** The last load's failure, cleared by a success. */
  error: unknown;
  /** True while there is no data for the key yet. */
  loading: boolean;
  /** When `data` was loaded (ms). */
  loadedAt: number | undefined;
  /** Loads again, keeping the data on screen meanwhile. */
  reload: () => void;
}

interface State<T> {
  key: string;
  data: T | undefined;
  error: unknown;
  loadedAt: number | undefined;
}

/**
 * Loads `load` whenever `key` changes (a new key drops the old data) or `reload` is called. The answer of a load
 * that has been superseded (or whose page was left) is ignored rather than aborted: an aborted request would read
 * as a failed one in the browser's network log, and the answers are small. A refused token is not an error here:
 * the client has already sent the console back to sign-in.
 */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [state, setState] = useState<State<T>>({ key, data: undefined, error: undefined, loadedAt: undefined });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    setState((previous) =>
      previous.key === key ? previous : { key, data: undefined, error: undefined, loadedAt: undefined },
    );
    load().then(
      (data) => {
        if (current) setState({ key, data, error: undefined, loadedAt: Date.now() });
      },
      (error: unknown) => {
        if (!current || error instanceof UnauthorizedError) return;
        setState((previous) => (previous.key === key ? { ...previous, error } : { ...previous, key, error }));
      },
    );
    return () => {
      current = false;
    };
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.data === undefined && state.error === undefined),
    loadedAt: current ? state.loadedAt : undefined,
    reload,
  };
}
