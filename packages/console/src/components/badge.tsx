import type { ComponentChildren } from 'preact';

/** How a badge reads: its text always says it too, the colour only helps. */
export type BadgeTone = 'ok' | 'warn' | 'bad' | 'neutral';

/** A small status pill. */
export function Badge({ tone, children }: { tone: BadgeTone; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}
