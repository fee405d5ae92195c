import type { DimensionScores, Grade } from './domain';
import type { Policy } from './policy';
import { DIMENSIONS } from './policy';

/** Art. 17: one weighted score on the five dimensions, with the policy's weights. */
export function weightedScore(scores: DimensionScores, policy: Policy): number {
  const total = DIMENSIONS.reduce((sum, d) => sum + scores[d] * policy.dimensionWeights[d], 0);
  return Math.round(total * 100) / 100;
}

/** Art. 18: the comprehensive assessment's score is the mean of the experts' weighted scores. */
export function panelScore(reviews: readonly { scores: DimensionScores }[], policy: Policy): number | null {
  if (reviews.length === 0) return null;
  const mean = reviews.reduce((sum, r) => sum + weightedScore(r.scores, policy), 0) / reviews.length;
  return Math.round(mean * 100) / 100;
}

/** Art. 18: excellent / qualified / unqualified under the policy's thresholds. */
export function gradeFor(score: number, policy: Policy): Grade {
  if (score >= policy.gradeThresholds.excellent) return 'excellent';
  if (score >= policy.gradeThresholds.qualified) return 'qualified';
  return 'unqualified';
}

/** Art. 19: the tier of support the next cycle earns. */
export const tierFor = (grade: Grade): 'A' | 'B' | null => (grade === 'excellent' ? 'A' : grade === 'qualified' ? 'B' : null);
