// npm run collect -- <dir…>: thin entry; the logic is src/distributed/collect.ts.
import { main } from '../src/distributed/collect-cli.ts';

process.exitCode = await main(process.argv.slice(2));
