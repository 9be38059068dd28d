import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiContext } from './api/api-context.js';
import { createApiClient } from './api/client.js';
import { Header } from './components/header.js';
import { type Flash, FlashContext } from './hooks/flash-context.js';
import { useHashRoute } from './hooks/use-hash-route.js';
import { I18nContext, i18nOf } from './i18n/i18n-context.js';
import { LOCALE_STORAGE_KEY, type Locale } from './i18n/locale.js';
import type { Route } from './lib/route.js';
import { navPageOf } from './lib/route.js';
import { writeStored } from './lib/storage.js';
import { TOKEN_STORAGE_KEY } from './lib/token-handoff.js';
import { AppsPage } from './pages/apps-page.js';
import { AuditPage } from './pages/audit-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { type SignInReason, SignInPage } from './pages/signin-page.js';
import { UserPage } from './pages/user-page.js';
import { UsersPage } from './pages/users-page.js';

function PageOf({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage window={route.window} />;
    case 'users':
      return <UsersPage q={route.q} />;
    case 'user':
      // Keyed: another user is a fresh page (its forms and confirmations start empty).
      return <UserPage key={route.id} id={route.id} />;
    case 'apps':
      return <AppsPage />;
    case 'audit':
      return <AuditPage action={route.action} userId={route.userId} />;
    case 'notFound':
      return <NotFoundPage hash={route.hash} />;
  }
}

/**
 * The console: sign-in while there is no token, the pages otherwise. A refused token (401 from any call) is
 * forgotten at once and the sign-in form comes back, with no data left on screen.
 */
export function App({ initialToken, initialLocale }: { initialToken: string | null; initialLocale: Locale }) {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const i18n = useMemo(() => i18nOf(locale), [locale]);
  const [token, setToken] = useState(initialToken);
  const [signInReason, setSignInReason] = useState<SignInReason>(null);
  const [flash, setFlash] = useState<Flash | null>(null);

  const signIn = useCallback((next: string) => {
    writeStored('session', TOKEN_STORAGE_KEY, next);
    setSignInReason(null);
    setToken(next);
  }, []);
  const { route, hash } = useHashRoute(signIn);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  // A route change clears the notice, unless it was made to be read on the next page.
  useEffect(() => {
    setFlash((current) => (current?.sticky ? { ...current, sticky: false } : null));
  }, [hash]);

  const changeLocale = useCallback((next: Locale) => {
    writeStored('local', LOCALE_STORAGE_KEY, next);
    setLocale(next);
  }, []);

  const signOut = useCallback((reason: SignInReason) => {
    writeStored('session', TOKEN_STORAGE_KEY, null);
    setFlash(null);
    setSignInReason(reason);
    setToken(null);
  }, []);

  const tokenRef = useRef(token);
  tokenRef.current = token;
  const api = useMemo(
    () =>
      token === null
        ? null
        : createApiClient({
            token,
            fetch: (url, init) => fetch(url, init),
            // A late 401 of a token already replaced (signed out and in again) must not end the new session.
            onUnauthorized: () => {
              if (tokenRef.current === token) signOut('refused');
            },
          }),
    [token, signOut],
  );

  return (
    <I18nContext.Provider value={i18n}>
      <FlashContext.Provider value={setFlash}>
        <Header
          current={navPageOf(route)}
          onLocale={changeLocale}
          {...(api === null ? {} : { onSignOut: () => signOut(null) })}
        />
        <main id="main" tabIndex={-1} class={api === null ? 'main main-signin' : 'main'}>
          {api === null ? (
            <SignInPage reason={signInReason} onSignedIn={signIn} />
          ) : (
            <ApiContext.Provider value={api}>
              <div class="flash">
                <div role="status" data-testid="notice" class={flash?.kind === 'status' ? 'notice' : 'notice empty'}>
                  {flash?.kind === 'status' ? flash.text : ''}
                </div>
                {flash?.kind === 'alert' && (
                  <div role="alert" class="alert" data-testid="action-error">
                    {flash.text}
                  </div>
                )}
              </div>
              <PageOf route={route} />
            </ApiContext.Provider>
          )}
        </main>
      </FlashContext.Provider>
    </I18nContext.Provider>
  );
}
