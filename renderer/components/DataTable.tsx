/**
 * A plain accessible table: a caption, column headers with scope="col", and
 * the first column as the row header (scope="row") when asked.
 */
import { memo, type ReactNode } from 'react';

export interface Column<Row> {
  /** Column header, in French. */
  header: string;
  cell: (row: Row) => ReactNode;
  /** Extra class on the header and the cells (width, alignment). */
  className?: string;
  /** Render this column's cells as `<th scope="row">`. */
  rowHeader?: boolean;
  /** Hide the header text visually (kept for screen readers), e.g. an actions column. */
  hideHeader?: boolean;
}

/**
 * One row, memoised: a row whose object, columns, class and click handler
 * are the same as last time is not rendered again (a screen that keeps its
 * row objects and passes stable columns and handlers re-renders only the
 * rows that changed).
 */
function DataRowImpl<Row>({
  row,
  columns,
  className,
  onRowClick,
}: {
  row: Row;
  columns: Column<Row>[];
  className: string | undefined;
  onRowClick: ((row: Row) => void) | undefined;
}) {
  return (
    <tr
      className={className}
      onClick={
        onRowClick
          ? (event) => {
              // Let links, buttons and text selection do their own thing.
              if ((event.target as Element).closest('a, button, input, select, textarea, label')) return;
              if (window.getSelection()?.toString()) return;
              onRowClick(row);
            }
          : undefined
      }
    >
      {columns.map((column) =>
        column.rowHeader ? (
          <th key={column.header} scope="row" className={column.className}>
            {column.cell(row)}
          </th>
        ) : (
          <td key={column.header} className={column.className}>
            {column.cell(row)}
          </td>
        ),
      )}
    </tr>
  );
}

const DataRow = memo(DataRowImpl) as typeof DataRowImpl;

export function DataTable<Row>({
  caption,
  captionHidden = false,
  columns,
  rows,
  rowKey,
  rowClassName,
  onRowClick,
}: {
  caption: string;
  captionHidden?: boolean;
  columns: Column<Row>[];
  rows: Row[];
  /**
   * React key of each row: usually the row's own id. A list replaced as a whole at each
   * change (search results) may key by position instead, `(_, index) => index`: a new
   * answer then updates the text of the rows already there rather than removing and
   * creating them — only for rows with no state of their own (no field, nothing open).
   */
  rowKey: (row: Row, index: number) => string | number;
  rowClassName?: (row: Row) => string | undefined;
  /**
   * A click anywhere on the row (for the mouse). The row must also hold a
   * real link or button to the same place: that is what the keyboard and
   * assistive technologies use.
   */
  onRowClick?: (row: Row) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className={captionHidden ? 'visually-hidden' : 'data-table__caption'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={column.className}>
                {column.hideHeader ? <span className="visually-hidden">{column.header}</span> : column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <DataRow
              key={rowKey(row, index)}
              row={row}
              columns={columns}
              className={[rowClassName?.(row), onRowClick ? 'row--clickable' : undefined].filter(Boolean).join(' ') || undefined}
              onRowClick={onRowClick}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
