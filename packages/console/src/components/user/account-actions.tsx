import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import type { AdminUser } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';

/** Longest disable reason the API takes. */
const REASON_MAX = 200;

/** Disable (with a reason) or enable the user, and unbind its phone number. */
export function AccountActions({
  user,
  onDisable,
  onEnable,
  onUnbindPhone,
}: {
  user: AdminUser;
  onDisable: (reason: string) => void;
  onEnable: () => void;
  onUnbindPhone: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    onDisable(reason.trim());
    setReason('');
  };
  return (
    <div class="actions">
      {user.status === 'active' ? (
        <form class="stack" onSubmit={submit}>
          <label class="field" for="disable-reason">
            {t('disable.reason')}
          </label>
          <input
            id="disable-reason"
            data-testid="disable-reason"
            class="wide"
            type="text"
            maxLength={REASON_MAX}
            value={reason}
            onInput={(event) => setReason(event.currentTarget.value)}
            aria-describedby="disable-hint"
          />
          <p id="disable-hint" class="hint">
            {t('disable.hint')}
          </p>
          <div>
            <button type="submit" class="btn btn-warn" data-testid="disable-user">
              {t('disable.submit')}
            </button>
          </div>
        </form>
      ) : (
        <div>
          <button type="button" class="btn btn-primary" data-testid="enable-user" onClick={onEnable}>
            {t('enable.submit')}
          </button>
        </div>
      )}
      {user.phone !== null && (
        <div class="stack">
          <div>
            <button
              type="button"
              class="btn"
              data-testid="unbind-phone"
              onClick={onUnbindPhone}
              aria-describedby="unbind-hint"
            >
              {t('unbind.submit')}
            </button>
          </div>
          <p id="unbind-hint" class="hint">
            {t('unbind.hint')}
          </p>
        </div>
      )}
    </div>
  );
}
