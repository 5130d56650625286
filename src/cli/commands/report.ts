import type { Command } from 'commander';
import { renderReport, ReportError } from '../../report/index.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit report <dir>`: writes tables, SVG plots and report.html into a run folder or an
 * experiment folder (detected from the files in it; contract in docs/reports.md).
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write tables, SVG plots and a self-contained report.html into a run or experiment folder')
    .argument('<dir>', 'run folder (final.json / epochs.jsonl) or experiment folder (experiment.json)')
    .option('--runs', "experiment folders: also render every row's run folder")
    .option('--json', 'print one JSON object {kind, dir, files, skipped, warnings} instead of lines')
    .action((dir: string, opts: { json?: boolean; runs?: boolean }) => {
      let res;
      try {
        res = renderReport(dir, { runs: !!opts.runs });
      } catch (e) {
        if (e instanceof ReportError) throw new CliError(`report: ${e.message}`);
        throw e;
      }
      if (opts.json) {
        printJson(res);
        return;
      }
      process.stdout.write(`${res.kind} report written to ${res.dir}:\n`);
      for (const f of res.files) process.stdout.write(`  ${f}\n`);
      for (const s of res.skipped) process.stdout.write(`  skipped: ${s}\n`);
      for (const w of res.warnings) process.stderr.write(`mtlkit: warning: ${w}\n`);
    });
}
