import type { ParameterStore } from '../nn/store.ts';
import type { Parameter } from '../nn/parameter.ts';

/**
 * The fixed coordinate layout for balancers with per-coordinate state (dbmtl, moco) in param
 * mode: an EMA per coordinate cannot follow the compact view, whose length and row order follow
 * the rows each batch touches. Touching rows 0..n-1 of each shared table before forward makes
 * the view [dense | table 1 rows 0..n-1 | ...] every step (forward's own touches are then
 * no-ops). Exact, O(shared table rows); zeroGrad, L2 and the lazy optimizer then visit every
 * row too, which is what an update that is nonzero on every row needs.
 */
export class FixedLayout {
  private readonly tables: Parameter[];

  constructor(private readonly store: ParameterStore) {
    this.tables = store.sparseParams.filter((p) => p.group === 'shared');
  }

  touchAll(): void {
    for (const p of this.tables) {
      for (let r = 0; r < p.rows; r++) this.store.touchRow(p, r);
    }
  }
}
