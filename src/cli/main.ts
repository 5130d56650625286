#!/usr/bin/env -S npx tsx
/**
 * The `mtlkit` command line. Thin on purpose: each subcommand lives in its own file under
 * `commands/` and is registered in `commands/index.ts`; the work itself is in the library.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { commands } from './commands/index.ts';
import { CliError } from './errors.ts';
import { watchParent } from './parent-watch.ts';

export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const program = new Command();
  program
    .name('mtlkit')
    .description('Multi-task gradient balancing for recommendation: train, balance, measure, report.')
    .version(pkg.version, '-V, --version', 'print the mtlkit version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      process.exitCode = err.exitCode;
      return;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mtlkit: ${msg.split('\n')[0]}\n`);
    if (process.env.MTLKIT_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  }
}

watchParent();
await main(process.argv);
