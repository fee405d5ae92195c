export { centerWorkflow } from './center';
export { callWorkflow } from './call';
