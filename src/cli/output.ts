/** Printing helpers shared by subcommands: one JSON object per line for machines. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
