import { ApiError, NetworkError } from '../api/errors.js';
import type { Translate } from '../i18n/locale.js';

/** What to tell the operator about a failed call: a retry for no answer, the API's own message otherwise. */
export function errorText(t: Translate, error: unknown): string {
  if (error instanceof NetworkError) return t(error.timedOut ? 'error.timeout' : 'error.network');
  if (error instanceof ApiError) {
    return t('error.api', { status: error.status, code: error.code, message: error.message });
  }
  return t('error.api', { status: '—', code: 'CLIENT_ERROR', message: String(error) });
}

/** The same for an action (a button the operator pressed). */
export function actionErrorText(t: Translate, error: unknown): string {
  if (error instanceof NetworkError) return t(error.timedOut ? 'error.timeout' : 'error.network');
  if (error instanceof ApiError) return t('error.action', { code: error.code, message: error.message });
  return t('error.action', { code: 'CLIENT_ERROR', message: String(error) });
}
