/** The bench scripts' flags: `--name value` and bare `--name`, read from this process's argv. */
const args = process.argv.slice(2);

/** The value after `--k`, or `d` when the flag is absent or last. */
export function opt(k: string, d: string): string {
  const i = args.indexOf(`--${k}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : d;
}

/** Whether the bare flag `--k` was given. */
export function has(k: string): boolean {
  return args.includes(`--${k}`);
}
