/**
 * What the application stage's commands (SPEC §3a: apply, amend, assign experts, review, approve) show after they
 * are sent: the eligibility check, the panel, the reviews still expected, the center's names.
 */
import type { CenterView } from '../../contract';
import { fields, section, table, time } from '../format';
import { output, type Renders } from './send';
import { eligibilityTable } from './views';

const eligibilityBlock = (view: CenterView): string[] =>
  view.eligibility
    ? [section(`Eligibility (Art. 8), application version ${view.applicationVersion}`, eligibilityTable(view.eligibility))]
    : [];

export const applicationRenders: Renders = {
  SUBMIT_APPLICATION: (sent) => output(sent, eligibilityBlock),
  AMEND_APPLICATION: (sent) => output(sent, eligibilityBlock),
  ASSIGN_EXPERTS: (sent) =>
    output(sent, (view) => [section('Experts (Art. 9)', table(['EXPERT', 'NAME', 'ORG'], view.experts.map((e) => [e.id, e.name, e.orgId])))]),
  SUBMIT_REVIEW: (sent) =>
    output(sent, (view) => {
      const waiting = view.experts.filter((e) => !e.reviewed).map((e) => e.id);
      return [waiting.length ? `Reviews still expected from: ${waiting.join(', ')}` : "All assigned experts have reviewed: the application awaits the commission's decision."];
    }),
  APPROVE: (sent) =>
    output(sent, (view) => [
      fields([
        ['Name (zh)', view.names?.zh],
        ['Name (en)', view.names?.en],
        ['Established', time(view.establishedAt)],
        ['Call quota', `${view.call.approvedCount} of ${view.call.quota} approved`],
      ]),
    ]),
};
