import { forEachSimilar } from './content';
import type { ModelState } from './model-state';
import type { Method } from './recommendation';
import type { RecommendScratch } from './scratch';
import { topK } from './top-k';
import type { UserBasedCF } from './user-cf';

/**
 * Rating prediction for a user the model knows (dense indices): user-based CF's, the item-to-item
 * predictions over content similarity (`item-based`) and over item-cf's table, and the hybrid's blend
 * of the user-based and content predictions (`predictionUserWeight`).
 */
export class RatingPredictor {
  constructor(
    private readonly state: ModelState,
    private readonly cf: UserBasedCF,
  ) {}

  predict(u: number, i: number, method: Method, scratch: RecommendScratch): number {
    if (method === 'user-based') return this.cf.predict(u, i, scratch.userCf);
    if (method === 'item-based') return this.contentPredict(u, i, scratch);
    if (method === 'item-cf') return this.itemCfPredict(u, i, scratch);
    const w = this.state.params.predictionUserWeight;
    return w * this.cf.predict(u, i, scratch.userCf) + (1 - w) * this.contentPredict(u, i, scratch);
  }

  private contentPredict(u: number, i: number, scratch: RecommendScratch): number {
    const { content } = this.state;
    return this.neighbourPredict(u, i, (visit) => forEachSimilar(content, i, visit), scratch);
  }

  /** i's neighbours in the collaborative item-to-item table that the user rated, weighted by the table's weights. */
  private itemCfPredict(u: number, i: number, scratch: RecommendScratch): number {
    const { ptr, idx, weight } = this.state.itemNeighbours;
    return this.neighbourPredict(
      u,
      i,
      (visit) => {
        for (let q = ptr[i]!; q < ptr[i + 1]!; q++) visit(idx[q]!, weight[q]!);
      },
      scratch,
    );
  }

  /** base(u,i) + Σ s_ij·(r_uj − base(u,j)) / Σ s_ij over the `maxNeighbours` most similar movies j the user rated, clamped to the scale. */
  private neighbourPredict(u: number, i: number, forEachNeighbour: (visit: (j: number, s: number) => void) => void, scratch: RecommendScratch): number {
    const { rowPtr, colIdx, values } = this.state.matrix;
    const { simRow, touched, acc } = scratch;
    forEachNeighbour((j, s) => {
      simRow[j] = s;
    });
    let count = 0;
    for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) {
      const j = colIdx[k]!;
      if (simRow[j]! > 0) {
        touched[count++] = j;
        acc[j] = values[k]!;
      }
    }
    let num = 0;
    let den = 0;
    for (const j of topK(touched, count, simRow, this.state.params.userCf.maxNeighbours)) {
      const s = simRow[j]!;
      num += s * (acc[j]! - this.cf.base(u, j));
      den += s;
    }
    forEachNeighbour((j) => {
      simRow[j] = 0;
    });
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
    const estimate = this.cf.base(u, i) + (den > 0 ? num / den : 0);
    const { scale } = this.state.derived;
    return Math.min(scale.max, Math.max(scale.min, estimate));
  }
}
