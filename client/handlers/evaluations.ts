/**
 * Art. 17–18: the evaluation sub-process — self-evaluation, on-site inspection, expert review, comprehensive
 * assessment — the same for the mid-term, the acceptance and a re-evaluation; and Art. 12's integrity incidents,
 * listed with the evaluations so evaluators see them.
 */
import type { EvaluationRecord, EvaluationReviewRecord, IncidentRecord } from '../../db/repositories';
import type { CenterView } from '../../contract';
import type { CommandContext, Output } from '../commands';
import { section, time } from '../format';
import { evaluationBlock, evaluationReviewsTable, evaluationsTable, incidentsTable } from './build-views';
import { centerIdFromDatabase } from './read';
import { output, type Renders } from './send';

/** What the evaluation waits for now, as the CLI command that gives it. */
function nextStep(view: CenterView): string | null {
  const ev = view.evaluation;
  if (!ev || ev.grade) return null;
  const c = view.centerId;
  if (view.state.endsWith('.selfEvaluation')) return `Next: the university's self-evaluation — \`centers evaluation self ${c} --file …\`.`;
  if (view.state.endsWith('.onSiteInspection')) return `Next: the commission's on-site inspection — \`centers evaluation inspect ${c} --file …\`.`;
  if (view.state.endsWith('.expertAssignment')) return `Next: the commission assigns the expert panel — \`centers evaluation assign-experts ${c} --file …\`.`;
  if (view.state.endsWith('.expertReview')) {
    const waiting = ev.experts.filter((e) => !(e.id in ev.reviews)).map((e) => e.id);
    return `Scores still expected from: ${waiting.join(', ')} (\`centers evaluation review ${c} --file … --as expert:<id>@<orgId>\`).`;
  }
  if (view.state.endsWith('.assessment')) {
    const weighted = Object.values(ev.reviews).map((r) => r.weightedScore);
    // Art. 18: the panel score is the mean of the experts' weighted scores (machines/evaluation.ts).
    const panel = Math.round((weighted.reduce((a, b) => a + b, 0) / weighted.length) * 100) / 100;
    return `All experts have scored (panel score ${panel}). Next: the commission grades — \`centers evaluation assess ${c}\`.`;
  }
  return null;
}

const evaluationView = (view: CenterView): string[] => [
  ...(view.evaluation ? [section('Evaluation (Art. 17–18)', evaluationBlock(view, view.evaluation))] : []),
  ...[nextStep(view)].filter((s): s is string => s !== null),
];

/** Art. 19: what a grade led to, in one sentence. */
function gradeOutcome(view: CenterView): string {
  if (view.supportStopped) return `The re-evaluation failed: support is stopped (${view.supportStopped.reason}).`;
  if (view.rectification) {
    return (
      `Unqualified: notice ${view.rectification.noticeId} is published and the center must rectify by ${time(view.rectification.dueAt)}; ` +
      'funding is suspended meanwhile (Art. 19). The university reports with `centers rectification submit`.'
    );
  }
  const last = view.evaluations.at(-1);
  if (last && last.cycle < view.cycle) return `Passed (${last.grade}): cycle ${view.cycle} begins with tier ${view.tier ?? '-'} support (Art. 19).`;
  return `Passed (${last?.grade ?? view.evaluation?.grade}): building continues.`;
}

export const evaluationRenders: Renders = {
  SUBMIT_SELF_EVALUATION: (sent) => output(sent, evaluationView),
  RECORD_INSPECTION: (sent) => output(sent, evaluationView),
  ASSIGN_EVALUATION_EXPERTS: (sent) => output(sent, evaluationView),
  SUBMIT_EVALUATION_REVIEW: (sent) => output(sent, evaluationView),
  ASSESS: (sent) => output(sent, (view) => [...evaluationView(view), gradeOutcome(view)]),
};

/** From the database: every evaluation, the experts' scores, and the integrity incidents (Art. 12). */
export async function listEvaluationsCommand(ctx: CommandContext): Promise<Output> {
  let centerId: string, evaluations: EvaluationRecord[], reviews: EvaluationReviewRecord[], incidents: IncidentRecord[];
  if (ctx.services.api) {
    ({ centerId, evaluations, reviews, incidents } = await ctx.services.api.request('GET', `/centers/${encodeURIComponent(ctx.positionals[0])}/evaluations`));
  } else {
    const repos = await ctx.services.repos();
    centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
    [evaluations, reviews, incidents] = await Promise.all([repos.evaluations(centerId), repos.evaluationReviews(centerId), repos.incidents(centerId)]);
  }
  return {
    data: { centerId, evaluations, reviews, incidents },
    text: [
      `Evaluations of ${centerId}`,
      section('Evaluations (Art. 17–18)', evaluationsTable(evaluations)),
      section("Experts' scores (Art. 17: the five key tasks)", evaluationReviewsTable(reviews)),
      section('Integrity incidents (Art. 12)', incidentsTable(incidents)),
    ].join('\n\n'),
  };
}
