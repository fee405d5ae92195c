/** How centers, eligibility and audit rows read in a terminal. */
import type { ApplicationRecord, AuditRecord, EligibilityRecord } from '../../db/repositories';
import { CENTER_COMMANDS, type CommandType } from '../../machines/commands';
import type { ConditionResult } from '../../machines/records.types';
import type { CenterView } from '../../contract';
import { actorText, fields, section, table, time } from '../format';
import { buildCycleBlocks } from './build-views';

/** The CLI command that sends each statechart command (SPEC §4: every command has one), from the command table. */
export const CLI_COMMAND = Object.fromEntries(Object.entries(CENTER_COMMANDS).map(([type, def]) => [type, def.cli.name])) as Record<CommandType, string>;

export function eligibilityTable(results: readonly ConditionResult[]): string {
  return table(
    ['ART.', 'CONDITION', 'RESULT', 'REASON'],
    results.map((c) => [`8(${c.condition})`, c.key, c.passed ? 'passed' : 'FAILED', c.reason]),
  );
}

export function auditTable(rows: readonly AuditRecord[]): string {
  return table(
    ['SEQ', 'CYCLE', 'AT', 'FROM', 'EVENT', 'TO', 'ACTOR', 'COMMAND'],
    rows.map((r) => [r.seq, r.cycle, time(r.at), r.fromState, r.event, r.toState, actorText(r.actor), r.commandId]),
    '(no audit rows)',
  );
}

/** One line per application version: when, and which Art. 8 conditions failed. */
export interface ApplicationVersion {
  version: number;
  submittedAt: string;
  eligible: boolean | null;
  failedConditions: number[];
}

export function applicationVersions(apps: readonly ApplicationRecord[], eligibility: readonly EligibilityRecord[]): ApplicationVersion[] {
  return apps.map((a) => {
    const results = eligibility.filter((e) => e.version === a.version);
    return {
      version: a.version,
      submittedAt: a.submittedAt,
      eligible: results.length ? results.every((r) => r.passed) : null,
      failedConditions: results.filter((r) => !r.passed).map((r) => r.condition),
    };
  });
}

export function centerText(
  view: CenterView,
  db: { applications: ApplicationVersion[]; audit: AuditRecord[] } | null,
): string {
  const c = view.call;
  const head = fields([
    ['Center', `${view.centerId} (workflow ${view.workflowId})`],
    ['State', view.state + (view.closed ? ' (closed)' : '')],
    ['University', view.universityId],
    ['Call', `${c.callId} (quota ${c.quota}, ${c.approvedCount} approved; window ${time(c.opensAt)} – ${time(c.closesAt)}${c.closedEarlyAt ? `, closed early ${time(c.closedEarlyAt)}` : ''})`],
    ['Name (zh)', view.names?.zh],
    ['Name (en)', view.names?.en],
    ['Established', view.establishedAt ? time(view.establishedAt) : undefined],
    ['Next deadline', view.nextDeadline ? `${view.nextDeadline.key} at ${time(view.nextDeadline.dueAt)}` : null],
  ]);

  const reviews = new Map(view.reviews.map((r) => [r.expertId, r]));
  const blocks = [
    head,
    section(
      `Eligibility (Art. 8)${view.applicationVersion ? `, application version ${view.applicationVersion}` : ''}`,
      view.eligibility ? eligibilityTable(view.eligibility) : '(no application yet)',
    ),
    section(
      'Experts and reviews (Art. 9)',
      [
        table(
          ['EXPERT', 'NAME', 'ORG', 'REVIEWED', 'SCORE', 'RECOMMENDATION'],
          view.experts.map((e) => [e.id, e.name, e.orgId, e.reviewed, reviews.get(e.id)?.score, reviews.get(e.id)?.recommendation]),
          '(no experts assigned)',
        ),
        // Art. 9 择优: the application's score is the panel's mean; the spread shows a divided panel.
        ...(view.panel
          ? [`Panel: score ${view.panel.score} (mean of ${view.panel.reviews}), spread ${view.panel.spread} (${view.panel.min}–${view.panel.max}), ${view.panel.approve} approve / ${view.panel.reject} reject`]
          : []),
      ].join('\n'),
    ),
    section(
      'Decision (Art. 9)',
      view.decision
        ? fields([
            ['Outcome', view.decision.outcome],
            ['By', view.decision.by],
            ['At', time(view.decision.at)],
            ['Reason', view.decision.reason],
          ])
        : '(none yet)',
    ),
    ...buildCycleBlocks(view),
    section(
      'Open deadlines',
      table(
        ['KEY', 'KIND', 'DUE', 'WAITS FOR'],
        view.openDeadlines.map((d) => [d.key, d.kind, time(d.dueAt), d.wait ? `${d.wait.step}${d.wait.party ? ` (${d.wait.party})` : ''}${d.wait.extended ? `, extended: ${d.wait.extended.reason}` : ''}` : '']),
      ),
    ),
    // Art. 9, 18: the steps past their deadline, escalated to the commission, which may extend them (deadline extend).
    ...(view.overdueSteps?.length
      ? [section('Overdue steps (Art. 9, 18)', table(['KEY', 'STEP', 'WAITS FOR', 'WAS DUE'], view.overdueSteps.map((o) => [o.key, o.step, o.party ?? o.scope, time(o.dueAt)])))]
      : []),
    section(
      'Commands allowed now',
      Object.entries(view.allowedCommands)
        .filter(([, types]) => types.length > 0)
        .map(([role, types]) => `${role}: ${types.map((t) => `${CLI_COMMAND[t]} (${t})`).join(', ')}`)
        .join('\n') || '(none: the center takes no more commands)',
    ),
  ];
  if (db) {
    blocks.push(
      section(
        'Application versions (database)',
        table(
          ['VERSION', 'SUBMITTED', 'ELIGIBLE', 'FAILED CONDITIONS'],
          db.applications.map((a) => [a.version, time(a.submittedAt), a.eligible, a.failedConditions.map((n) => `8(${n})`).join(', ')]),
        ),
      ),
      section('Audit log (database)', auditTable(db.audit)),
    );
  } else {
    blocks.push('(The database could not be read: application versions and audit rows are not shown.)');
  }
  return blocks.join('\n\n');
}
