import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { createApiClient } from '../api/client.js';
import { UnauthorizedError } from '../api/errors.js';
import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';
import { errorText } from '../lib/error-text.js';

/** Why the form is shown again. */
export type SignInReason = 'refused' | null;

/**
 * The sign-in form. The token is tried on one cheap call before the console switches to its pages, so a wrong
 * one is refused here rather than after a page has started loading.
 */
export function SignInPage({ reason, onSignedIn }: { reason: SignInReason; onSignedIn: (token: string) => void }) {
  const { t } = useI18n();
  useTitle(t('title.signin'));
  const [problem, setProblem] = useState<'refused' | 'empty' | { error: unknown } | null>(reason);
  const [busy, setBusy] = useState(false);

  const submit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get('token') ?? '').trim();
    if (token === '') {
      setProblem('empty');
      return;
    }
    setBusy(true);
    try {
      const probe = createApiClient({ token, fetch: (url, init) => fetch(url, init), onUnauthorized: () => {} });
      await probe.get('/admin/api/apps');
      onSignedIn(token);
    } catch (error) {
      setProblem(error instanceof UnauthorizedError ? 'refused' : { error });
      setBusy(false);
    }
  };

  return (
    <section class="signin card" aria-labelledby="signin-heading">
      <h1 id="signin-heading">{t('signin.heading')}</h1>
      <p class="muted">{t('signin.intro')}</p>
      {problem === 'refused' && (
        <p class="alert" role="alert" data-testid="signin-error">
          {t('signin.refused')}
        </p>
      )}
      {problem === 'empty' && (
        <p class="alert" role="alert" data-testid="signin-error">
          {t('signin.empty')}
        </p>
      )}
      {problem !== null && typeof problem === 'object' && (
        <p class="alert" role="alert" data-testid="load-error">
          {errorText(t, problem.error)}
        </p>
      )}
      <form data-testid="signin-form" onSubmit={submit}>
        <label class="field" for="signin-token">
          {t('signin.token')}
        </label>
        <input
          id="signin-token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          aria-describedby="signin-kept"
          aria-invalid={problem === 'refused' || problem === 'empty' ? 'true' : undefined}
        />
        <p id="signin-kept" class="hint">
          {t('signin.kept')}
        </p>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? t('signin.checking') : t('signin.submit')}
        </button>
      </form>
    </section>
  );
}
