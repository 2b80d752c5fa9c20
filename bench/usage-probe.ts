/**
 * Loaded with `node --import` into a command the benchmarks time from outside: when the process exits it
 * writes its own CPU time and peak resident memory to the file named by GUARDRAILS_BENCH_USAGE. Node
 * gives a parent no rusage of a child, and this is the child's own accounting of the whole run.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.GUARDRAILS_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKb: usage.maxRSS }));
  });
}
