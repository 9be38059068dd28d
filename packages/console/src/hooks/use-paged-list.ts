import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { UnauthorizedError } from '../api/errors.js';
import type { Page } from '../api/types.js';

/** A list loaded a page at a time, each appended ("more"). */
export interface PagedList<T> {
  items: T[];
  nextCursor: string | null;
  /** True while a page is loading. */
  loading: boolean;
  /** True once the first page has arrived. */
  loaded: boolean;
  error: unknown;
  /** Appends the next page. */
  loadMore: () => void;
  /** Starts again from the first page. */
  reload: () => void;
}

/**
 * Loads the first page whenever `key` changes; `loadMore` appends the next. As in `useResource`, a superseded
 * answer is ignored, not aborted.
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  key: string,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  // Each load gets a number; only the latest one's answer is taken.
  const latest = useRef(0);

  const run = useCallback((cursor: string | undefined) => {
    const ticket = ++latest.current;
    setLoading(true);
    fetchRef.current(cursor).then(
      (page) => {
        if (ticket !== latest.current) return;
        setItems((previous) => (cursor === undefined ? page.items : [...previous, ...page.items]));
        setNextCursor(page.nextCursor);
        setError(undefined);
        setLoaded(true);
        setLoading(false);
      },
      (failure: unknown) => {
        if (ticket !== latest.current || failure instanceof UnauthorizedError) return;
        setError(failure);
        setLoading(false);
      },
    );
  }, []);

  const keyRef = useRef(key);
  useEffect(() => {
    // Another list: drop the old one. A reload of the same list keeps it on screen until the new page is in.
    if (keyRef.current !== key) {
      keyRef.current = key;
      setItems([]);
      setNextCursor(null);
      setLoaded(false);
    }
    run(undefined);
    return () => {
      latest.current++;
    };
  }, [key, generation, run]);

  const loadMore = useCallback(() => {
    if (nextCursor !== null) run(nextCursor);
  }, [nextCursor, run]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { items, nextCursor, loading, loaded, error, loadMore, reload };
}
