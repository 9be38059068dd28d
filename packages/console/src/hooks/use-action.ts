import { useState } from 'preact/hooks';
import { UnauthorizedError } from '../api/errors.js';
import { useI18n } from '../i18n/i18n-context.js';
import { actionErrorText } from '../lib/error-text.js';
import { useNotify } from './flash-context.js';

/** What an action did, for the notice. */
export interface ActionResult {
  text: string;
  /** Keep the notice across the route change the action makes. */
  sticky?: boolean;
  /** Skip the reload (the action left the page). */
  leaves?: boolean;
}

/**
 * Where the focus goes once an action is done: the control pressed is often gone (a revoked row has no button,
 * a disabled user no disable form), and a keyboard user must not be dropped back at the top of the document.
 */
function focusById(id: string | undefined): void {
  if (id === undefined) return;
  document.getElementById(id)?.focus();
}

/** Runs operator actions one at a time: a notice (role=status) on success, the API's message (role=alert) on failure. */
export function useAction(reload: () => void): {
  busy: boolean;
  /** `focusId`: the element (a heading with tabIndex -1) to focus when the action is done. */
  run: (action: () => Promise<ActionResult>, focusId?: string) => Promise<void>;
} {
  const notify = useNotify();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<ActionResult>, focusId?: string) => {
    if (busy) return;
    setBusy(true);
    notify(null);
    try {
      const result = await action();
      notify({ kind: 'status', text: result.text, sticky: result.sticky ?? false });
      if (!result.leaves) reload();
      focusById(result.leaves ? 'main' : focusId);
    } catch (error) {
      // A refused token has already sent the console to sign-in.
      if (!(error instanceof UnauthorizedError)) {
        notify({ kind: 'alert', text: actionErrorText(t, error), sticky: false });
        reload();
        focusById(focusId);
      }
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}
