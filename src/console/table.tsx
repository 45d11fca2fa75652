import type { Child } from 'hono/jsx';

export interface Column<T> {
  readonly label: string;
  readonly cell: (row: T) => Child;
  readonly className?: string;
}

/**
 * A list table. On a phone (`.stack`) each row becomes a small card whose cells carry their column
 * name (`data-label`), so no column has to be hidden to fit the screen.
 */
export function DataTable<T>({
  rows,
  columns,
  testId,
  label,
  rowAttributes,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  testId: string;
  label: string;
  rowAttributes?: (row: T) => Record<string, string>;
}) {
  return (
    <div class="table-wrap">
      <table class="stack" data-testid={testId} aria-label={label}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col">{column.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr {...(rowAttributes?.(row) ?? {})}>
              {columns.map((column) => (
                <td data-label={column.label} class={column.className}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A list with nothing in it yet: what the list is for and, where it makes sense, how to start. */
export function EmptyCard({ title, text, children }: { title: string; text: string; children?: Child }) {
  return (
    <div class="card empty" data-testid="empty-state">
      <h2>{title}</h2>
      <p>{text}</p>
      {children}
    </div>
  );
}
