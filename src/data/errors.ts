/**
 * The one error type of the data layer: names the file, the 1-based line and the column, so that
 * the message alone says where to look. Messages read `FILE:LINE: column "COL": what (fix)`.
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${column !== null ? `column "${column}": ` : ''}${reason}`);
    this.name = 'DataError';
  }
}
