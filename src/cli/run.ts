/** Process entry point: wires the real process to main(); unexpected failures become exit 2 with a message. */
import { main } from './main.js';

export async function run(): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  try {
    return await main(process.argv.slice(2), io);
  } catch (e) {
    process.stderr.write(`error internal: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}
