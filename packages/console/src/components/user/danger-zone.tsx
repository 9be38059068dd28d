import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import type { AdminUser } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';

/** Deletion, armed only once the operator has typed the user's openid exactly. */
export function DangerZone({ user, onDelete }: { user: AdminUser; onDelete: () => void }) {
  const { t } = useI18n();
  const [typed, setTyped] = useState('');
  const armed = typed === user.openid;
  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (armed) onDelete();
  };
  return (
    <section class="card danger" aria-labelledby="danger-heading">
      <h2 id="danger-heading">{t('danger.title')}</h2>
      <p>{t('delete.prompt')}</p>
      <form class="stack" onSubmit={submit}>
        <label class="field" for="delete-confirm">
          {t('delete.label', { openid: user.openid })}
        </label>
        <input
          id="delete-confirm"
          data-testid="delete-confirm"
          class="confirm-input"
          type="text"
          autocomplete="off"
          spellcheck={false}
          value={typed}
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
        <div>
          <button type="submit" class="btn btn-danger" data-testid="delete-user" disabled={!armed}>
            {t('delete.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
