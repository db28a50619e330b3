// npm run report: thin entry to `s2s report` (src/report/cli.ts).
import { main } from '../src/report/cli.ts';

process.exitCode = await main(process.argv.slice(2));
