import type { AdminHealth } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { Badge, type BadgeTone } from '../badge.js';

/** Database, Redis and WeChat, each with a badge that says its state in words. */
export function HealthPanel({ health }: { health: AdminHealth }) {
  const { t } = useI18n();
  const badgeText = (tone: BadgeTone) =>
    tone === 'ok'
      ? t('health.badge.ok')
      : tone === 'warn'
        ? t('health.badge.warn')
        : tone === 'neutral'
          ? t('health.badge.off')
          : t('health.badge.bad');

  const database: BadgeTone = health.database === 'ok' ? 'ok' : 'bad';
  // No Redis is a choice (one instance), not a problem: said plainly, without a warning colour.
  const redis: BadgeTone = health.redis === 'ok' ? 'ok' : health.redis === 'not_configured' ? 'neutral' : 'bad';
  const circuit = health.wechat.circuit;
  const wechat: BadgeTone =
    circuit === 'open' ? 'bad' : circuit === 'half_open' || health.wechat.warning !== undefined ? 'warn' : 'ok';
  const circuitText =
    circuit === undefined
      ? t('health.circuit.none')
      : circuit === 'closed'
        ? t('health.circuit.closed')
        : circuit === 'open'
          ? t('health.circuit.open')
          : circuit === 'half_open'
            ? t('health.circuit.half_open')
            : t('health.circuit.disabled');

  const rows: { id: string; name: string; tone: BadgeTone; detail: string; extra?: string }[] = [
    {
      id: 'database',
      name: t('health.database'),
      tone: database,
      detail: health.database === 'ok' ? t('health.db.ok') : t('health.db.unreachable'),
    },
    {
      id: 'redis',
      name: t('health.redis'),
      tone: redis,
      detail:
        health.redis === 'ok'
          ? t('health.redis.ok')
          : health.redis === 'not_configured'
            ? t('health.redis.not_configured')
            : t('health.redis.unreachable'),
    },
    {
      id: 'wechat',
      name: t('health.wechat'),
      tone: wechat,
      detail: circuitText,
      ...(health.wechat.warning === undefined ? {} : { extra: health.wechat.warning }),
    },
  ];

  return (
    <ul class="health" data-testid="health">
      {rows.map((row) => (
        <li key={row.id} class={`health-item health-${row.tone}`} data-health={row.id} data-state={row.tone}>
          <span class="health-name">{row.name}</span>
          <Badge tone={row.tone}>{badgeText(row.tone)}</Badge>
          <span class="health-detail">
            {row.detail}
            {row.id === 'wechat' && <span class="mono muted"> · {health.wechat.baseUrl}</span>}
          </span>
          {row.extra !== undefined && <span class="health-warning">{row.extra}</span>}
        </li>
      ))}
    </ul>
  );
}
