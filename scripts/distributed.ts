// npm run distributed -- …: thin entry; the logic is src/distributed/.
import { main } from '../src/distributed/cli.ts';

process.exitCode = await main(process.argv.slice(2));
