/** `npm run bench`: prints every benchmark figure of the project. */
import { print } from './harness.js';
import { benchCompile } from './compile.bench.js';
import { benchCompileScale } from './compile-scale.bench.js';
import { benchDiffScale } from './diff-scale.bench.js';
import { benchEvaluate } from './evaluate.bench.js';
import { benchFirstCompile } from './first-compile.bench.js';
import { benchGoals } from './goals.bench.js';
import { benchImpactReduce } from './impact-reduce.bench.js';
import { benchLockout } from './lockout.bench.js';
import { benchMinimize } from './minimize.bench.js';
import { benchNotify } from './notify.bench.js';
import { benchPlan } from './plan.bench.js';
import { benchPlanScale } from './plan-scale.bench.js';
import { benchReference } from './reference.bench.js';
import { benchRollout } from './rollout.bench.js';
import { benchSimulateScale } from './simulate-scale.bench.js';
import { benchStartup } from './startup.bench.js';

const only = process.argv[2];
const suites = [
  { name: 'issue 15 goals: commands at scale', run: benchGoals },
  { name: 'service reference', run: benchReference },
  { name: 'clone to first compile', run: benchFirstCompile },
  { name: 'start-up', run: benchStartup },
  { name: 'compile', run: benchCompile },
  { name: 'compile at scale', run: benchCompileScale },
  { name: 'minimize and pack', run: benchMinimize },
  { name: 'evaluation', run: benchEvaluate },
  { name: 'simulate at scale', run: benchSimulateScale },
  { name: 'deployed state and wave plan', run: benchPlan },
  { name: 'diff at scale', run: benchDiffScale },
  { name: 'wave plan at scale', run: benchPlanScale },
  { name: 'rollout', run: benchRollout },
  { name: 'rollout lockout guard', run: benchLockout },
  { name: 'notifications', run: benchNotify },
  { name: 'impact: CloudTrail reduction (directory source)', run: benchImpactReduce },
];

for (const suite of suites.filter((s) => !only || s.name.includes(only))) {
  process.stdout.write(`\n# ${suite.name}\n`);
  print(await suite.run());
}
