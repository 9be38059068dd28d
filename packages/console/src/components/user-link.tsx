import { formatRoute } from '../lib/route.js';

/** A link to a user's page, showing `label` (the id by default, shortened). */
export function UserLink({ id, label }: { id: string; label?: string }) {
  return (
    <a href={formatRoute({ page: 'user', id })} class="mono" title={id}>
      {label ?? shortId(id)}
    </a>
  );
}

/** The first 8 characters of a UUID: enough to tell users apart on one screen. */
export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}
