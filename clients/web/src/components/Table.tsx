import type { ReactNode } from "react";

/** A column: its heading and how a row shows in it. */
export interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
}

/** A plain, accessible table of rows, or what to do next when there are none. */
export function Table<T>(props: {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** While the first page loads: a row saying so instead of an empty table. */
  loading?: boolean;
  /** What an empty list shows instead of the table, once loaded (and not failed). */
  empty?: ReactNode;
  /** Whether loading failed (the page shows the error; no empty state then). */
  failed?: boolean;
}) {
  const { label, rows, columns, rowKey, loading, empty, failed } = props;
  if (empty && !loading && !failed && rows.length === 0) {
    return <>{empty}</>;
  }
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} scope="col">
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody aria-busy={loading && rows.length === 0}>
          {loading && rows.length === 0 && (
            <tr className="loading">
              <td colSpan={columns.length} role="status">
                Loading…
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.title} data-label={c.title}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
