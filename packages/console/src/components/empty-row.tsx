import type { ComponentChildren } from 'preact';

/** The one row of an empty table: a muted sentence across every column. */
export function EmptyRow({ columns, children }: { columns: number; children: ComponentChildren }) {
  return (
    <tr>
      <td colSpan={columns} class="muted">
        {children}
      </td>
    </tr>
  );
}
