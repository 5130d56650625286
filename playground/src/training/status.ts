/** What the Training panel shows, as data: `status()` on the panel (tests read it). */
export interface TrainingStatus {
  phase: 'idle' | 'starting' | 'running' | 'paused' | 'done' | 'error';
  step: number;
  engine: string;
  method: string;
  mode: string;
  meanAuc: number | null;
  /** Step of the latest validation. */
  evalStep: number;
  error: string;
  /** Points per chart. */
  counts: Record<string, number>;
}
