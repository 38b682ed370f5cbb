import { main } from './cli.js';

// The executable side of cli.ts, kept apart so tests can import `main` without running it.
const io = {
  out: (l: string) => process.stdout.write(`${l}\n`),
  err: (l: string) => process.stderr.write(`${l}\n`),
};
main(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `switchboard: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  },
);
