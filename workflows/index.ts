export { centerWorkflow } from './center';
export { callWorkflow } from './call';
export { calendarRoundWorkflow } from './rounds';
export { fundingRoundWorkflow } from './funding-round';
