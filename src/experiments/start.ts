/**
 * What `npm start` runs: `mtlkit experiment table2` with these flags. package.json's "start"
 * script is `tsx src/cli/main.ts experiment table2 ` + START.args (test/experiments/cli.test.ts
 * holds the two together), and `experiment --help`, README and docs/experiments.md quote the
 * run time below.
 *
 * Why this size (docs/experiments.md, "What npm start can and cannot tell you"; the study's
 * folders and commands are in docs/results/start-study): at the quick data size, 2 epochs are
 * under-trained (their ranking is nearly unrelated to the one at 8 epochs) and 4 epochs rank
 * the methods as 8 do; three seeds are the fewest that give a paired interval for each pair of
 * methods, so the report can say which gaps it resolves instead of ordering noise.
 */
export const START = {
  preset: 'table2',
  args: ['--quick', '--epochs', '4', '--seeds', '3', '--workers', '2'],
  runTime: 'about 5 min on 2 cores (measured: 287 s, 36 runs)',
} as const;
