// Rows arrive in small batches; PostgreSQL and MySQL want few large statements. This gathers a table's rows until a
// statement is full (or the transaction commits) and hands them on.

/**
 * A per-table buffer of flat row values.
 * @param {number} rowsPerStatement
 * @param {(table: string, columns: readonly string[], values: unknown[]) => Promise<void>} flush one statement's rows
 */
export function bufferedInserts(rowsPerStatement, flush) {
  /** @type {Map<string, { columns: readonly string[], values: unknown[] }>} */
  const pending = new Map();
  return {
    /**
     * @param {string} table
     * @param {readonly string[]} columns
     * @param {unknown[]} values
     */
    async add(table, columns, values) {
      let entry = pending.get(table);
      if (entry === undefined) pending.set(table, (entry = { columns, values: [] }));
      for (const value of values) entry.values.push(value);
      const full = rowsPerStatement * columns.length;
      while (entry.values.length >= full) {
        await flush(table, columns, entry.values.splice(0, full));
      }
    },
    /** Sends every row still held. */
    async drain() {
      for (const [table, entry] of pending) {
        if (entry.values.length > 0) await flush(table, entry.columns, entry.values.splice(0));
      }
    },
    /** Forgets every row still held (after a rollback). */
    clear() {
      pending.clear();
    },
  };
}

/**
 * Flat row values as one array per column.
 * @param {readonly string[]} columns
 * @param {unknown[]} values
 */
export function toColumnArrays(columns, values) {
  const width = columns.length;
  return columns.map((_, c) => {
    const column = new Array(values.length / width);
    for (let r = 0, i = c; i < values.length; r++, i += width) column[r] = values[i];
    return column;
  });
}

/**
 * Flat row values as one array per row.
 * @param {readonly string[]} columns
 * @param {unknown[]} values
 */
export function toRowArrays(columns, values) {
  const width = columns.length;
  const rows = new Array(values.length / width);
  for (let r = 0; r < rows.length; r++) rows[r] = values.slice(r * width, (r + 1) * width);
  return rows;
}
