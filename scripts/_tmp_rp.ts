import { DefaultLogger, Runtime } from '@temporalio/worker';
import { readHistoryFile, replayRuns, bundleForReplay } from '../client/audit';
import { workflowsPath } from '../worker/worker';
Runtime.install({ logger: new DefaultLogger('WARN') });
async function main() {
const t0 = Date.now();
const code = await bundleForReplay(workflowsPath);
console.log('bundle', Date.now() - t0);
const runs = process.argv.slice(2).map((f) => readHistoryFile(f, f.includes('call') ? 'call-x' : undefined));
const t1 = Date.now();
console.log(JSON.stringify(await replayRuns(runs, code), null, 1));
console.log('replay', Date.now() - t1);
}
void main();
