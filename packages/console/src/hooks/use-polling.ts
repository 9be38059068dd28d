import { useEffect } from 'preact/hooks';

/**
 * Calls `refresh` every `intervalMs` while the tab is visible, and once when it becomes visible again; stops when
 * the page using it is left.
 */
export function usePolling(refresh: () => void, intervalMs: number): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) refresh();
    }, intervalMs);
    const onVisibility = () => {
      if (!document.hidden) refresh();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [refresh, intervalMs]);
}
