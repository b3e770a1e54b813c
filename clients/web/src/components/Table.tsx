import type { ReactNode } from "react";

/** A column: its heading and how a row shows in it. */
export interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
}

/** A plain, accessible table of rows. */
export function Table<T>(props: {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** While the first page loads: a row saying so instead of an empty table. */
  loading?: boolean;
}) {
  const { label, rows, columns, rowKey, loading } = props;
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
