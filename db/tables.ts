/**
 * Every table's name, in one place (house style: migrations, schemas and repositories all name tables from here).
 */
export const TableName = {
  /** Art. 7: calls for applications (read model of the call workflows). */
  Calls: 'calls',
  /** Append-only log of what happened to each call (open, quota raised, closed, slot reserved). */
  CallEvents: 'call_events',
  /** Read model: one row per center, upserted on every transition. */
  Centers: 'centers',
  /** Art. 8: every submitted version of an application. */
  Applications: 'applications',
  /** Art. 8: the seven conditions' results for each application version. */
  EligibilityResults: 'eligibility_results',
  /** Art. 9, 18: experts assigned to a stage (the application review, later each evaluation). */
  ExpertAssignments: 'expert_assignments',
  /** Art. 9, 18: one review per expert and stage. */
  Reviews: 'reviews',
  /** Art. 9: the commission's decision on an application. */
  Decisions: 'decisions',
  /** SPEC §3 "Audit": one row per transition. */
  AuditLog: 'audit_log',
  /** Art. 6, 19: each five-year build cycle of a center, with its tier. */
  Cycles: 'cycles',
  /** Art. 13–15: yearly funding requests (promotion or guidance) and their decisions. */
  FundingRequests: 'funding_requests',
  /** Art. 16: the money — one row per grant, never two. */
  FundingLedger: 'funding_ledger',
  /** Art. 18: the annual summary of each year of a cycle. */
  AnnualSummaries: 'annual_summaries',
  /** Art. 18: outbox of reminders, overdue notices and escalations, delivered later. */
  Notifications: 'notifications',
  /** Art. 17–18: mid-term, acceptance and re-evaluations. */
  Evaluations: 'evaluations',
  /** Art. 18: experts' dimension scores in an evaluation. */
  EvaluationReviews: 'evaluation_reviews',
  /** Art. 12: integrity incidents recorded against a center. */
  IntegrityIncidents: 'integrity_incidents',
  /** Art. 19: public notices of an unqualified grade (anyone may list them). */
  Notices: 'notices',
  /** Art. 19: the rectification each notice opens, with its deadline, extensions, report and outcome. */
  Rectifications: 'rectifications',
  /** Art. 19: support stopped — one row per center whose record is closed. */
  SupportStops: 'support_stops',
  /** Art. 6, 8(7): director and staff changes. */
  OrganisationChanges: 'organisation_changes',
  /** Evidence files: each file a command carried, by SHA-256, and the record it belongs to (the file is in the content store). */
  EvidenceFiles: 'evidence_files',
  /** Op. 4(4), Art. 15: each center's results reserve and patent pool. */
  ReserveResults: 'reserve_results',
  /** Art. 16: the budget lines of each grant. */
  BudgetLines: 'budget_lines',
  /** Art. 16: the spending recorded against the grants' lines. */
  Spending: 'spending',
  /** Art. 16: each grant's final accounts (决算). */
  FinalAccounts: 'final_accounts',
  /** SPEC §4 "HTTP API": every person known to the service, with their role and organisation. */
  Users: 'users',
  /** API tokens: only the sha256 of each token's secret is stored. */
  ApiTokens: 'api_tokens',
  /** Login sessions (the console's cookie): only the sha256 of the cookie and of its CSRF token are stored. */
  Sessions: 'sessions',
} as const;

export type TableName = (typeof TableName)[keyof typeof TableName];

/** knex's own bookkeeping table. */
export const MIGRATIONS_TABLE = 'knex_migrations';
