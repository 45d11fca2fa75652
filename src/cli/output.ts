/** Where a command writes: results and progress to stdout, problems to stderr. */
export interface Output {
  /** A line of results (a table row, a forwarded event). */
  line(text: string): void;
  /** A status line for people (banners, reconnects). */
  info(text: string): void;
  error(text: string): void;
  /** Prints a command's usage to stdout; returns exit code 0. */
  help(usage: string): number;
  /** Whether stderr is a terminal (progress is redrawn in place there, printed as lines otherwise). */
  readonly isInteractive: boolean;
  /** Rewrites the current progress line on a terminal; prints it as a line otherwise. */
  progress(text: string): void;
}

export function createOutput(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  const isInteractive = stderr.isTTY === true;
  return {
    line: (text) => void stdout.write(`${text}\n`),
    info: (text) => void stdout.write(`${text}\n`),
    error: (text) => void stderr.write(`${text}\n`),
    help(usage) {
      stdout.write(`${usage}\n`);
      return 0;
    },
    isInteractive,
    progress: (text) => void stderr.write(isInteractive ? `\r\x1b[2K${text}` : `${text}\n`),
  };
}

/** A plain-text table: a header row, then rows, columns padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(headers), ...rows.map(format)].join('\n');
}

/** Epoch ms as an ISO timestamp without milliseconds, or `-`. */
export const formatTime = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A text progress bar: `[#####-----] 5/10`. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}
