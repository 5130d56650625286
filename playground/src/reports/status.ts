/** What the Reports panel shows, as data: `status()` on the panel (tests read it). */
export interface ReportsStatus {
  kind: 'run' | 'experiment' | null;
  name: string;
  /** Tables shown. */
  tables: number;
  /** Titles of the charts shown (the selected run's). */
  charts: string[];
  skipped: string[];
  /** Run folders found (an experiment's run_dir values present in the drop; '' for a run folder). */
  runs: string[];
  error: string;
  warnings: string[];
}
