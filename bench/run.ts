/** `npm run bench`: prints every benchmark figure of the project. */
import { print } from './harness.js';
import { benchCompile } from './compile.bench.js';
import { benchMinimize } from './minimize.bench.js';
import { benchReference } from './reference.bench.js';

const suites = [
  { name: 'service reference', run: benchReference },
  { name: 'compile', run: benchCompile },
  { name: 'minimize and pack', run: benchMinimize },
];

for (const suite of suites) {
  process.stdout.write(`\n# ${suite.name}\n`);
  print(await suite.run());
}
