/** `npm run bench`: prints every benchmark figure of the project. */
import { print } from './harness.js';
import { benchReference } from './reference.bench.js';

const suites = [{ name: 'service reference', run: benchReference }];

for (const suite of suites) {
  process.stdout.write(`\n# ${suite.name}\n`);
  print(await suite.run());
}
