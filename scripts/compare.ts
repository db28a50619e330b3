// npm run compare: thin entry to `s2s compare` (src/report/compare-cli.ts).
import { main } from '../src/report/compare-cli.ts';

process.exitCode = await main(process.argv.slice(2));
