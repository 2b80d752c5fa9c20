/**
 * Loaded with `node --import` into a command the benchmarks time from outside: when the process exits it
 * writes its own CPU time and peak resident memory to the file named by GUARDRAILS_BENCH_USAGE. Node
 * gives a parent no rusage of a child, and this is the child's own accounting of the whole run.
 *
 * The peak is the process's own memory's high-water mark (VmHWM in /proc/self/status) where Linux has
 * it: getrusage's maxrss survives execve, so a child forked from a large parent (the benchmark itself,
 * a few hundred MB into a full run) reported the parent's size as its own peak.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.GUARDRAILS_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKb: ownPeakKb() ?? usage.maxRSS }));
  });
}

/** VmHWM in kB, or undefined where /proc is not Linux's. */
function ownPeakKb(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
