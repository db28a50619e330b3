// npm run teardown:cloudrun|gke|all -- [--yes] [--dry-run]: thin entry; the logic is src/platforms/teardown-cli.ts.
import { main } from '../src/platforms/teardown-cli.ts';

process.exitCode = await main(process.argv.slice(2));
