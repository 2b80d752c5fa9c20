/**
 * A minimal benchmark harness: runs a function a few times and reports the median, so one noisy run
 * does not decide a figure. Figures are printed, never asserted: machines are noisy.
 */

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export async function median(runs: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function print(figures: Figure[]): void {
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    const value = f.unit === 's' ? f.value.toFixed(2) : f.value >= 100 ? Math.round(f.value).toLocaleString('en-US') : f.value.toFixed(1);
    process.stdout.write(`${f.name.padEnd(width)}  ${value.padStart(9)} ${f.unit.padEnd(6)}${f.note ? `  ${f.note}` : ''}\n`);
  }
}
