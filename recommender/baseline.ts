import type { UserItemMatrix } from './matrix';

/**
 * Baseline estimates b_ui = μ + b_u + b_i, fitted by alternating regularised least squares
 * (as in Koren's neighbourhood models and Surprise's BaselineOnly). User-based CF centres ratings on
 * them and predicts the neighbours' weighted deviation from them.
 */
export interface Baselines {
  globalMean: number;
  userBias: Float32Array;
  itemBias: Float32Array;
}

export interface BaselineParams {
  regUser: number;
  regItem: number;
  epochs: number;
}

export const defaultBaselineParams: BaselineParams = { regUser: 15, regItem: 10, epochs: 10 };

export function fitBaselines(matrix: UserItemMatrix, params: BaselineParams = defaultBaselineParams): Baselines {
  const { numUsers, numMovies, rowPtr, colIdx, values, colPtr, rowIdx, colValues } = matrix;
  let sum = 0;
  for (const v of values) sum += v;
  const globalMean = values.length > 0 ? sum / values.length : 0;
  const userBias = new Float32Array(numUsers);
  const itemBias = new Float32Array(numMovies);
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    for (let i = 0; i < numMovies; i++) {
      let acc = 0;
      for (let k = colPtr[i]!; k < colPtr[i + 1]!; k++) acc += colValues[k]! - globalMean - userBias[rowIdx[k]!]!;
      itemBias[i] = acc / (params.regItem + colPtr[i + 1]! - colPtr[i]!);
    }
    for (let u = 0; u < numUsers; u++) {
      let acc = 0;
      for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) acc += values[k]! - globalMean - itemBias[colIdx[k]!]!;
      userBias[u] = acc / (params.regUser + rowPtr[u + 1]! - rowPtr[u]!);
    }
  }
  return { globalMean, userBias, itemBias };
}

export function ratingScale(matrix: UserItemMatrix): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of matrix.values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0.5, max: 5 };
}
