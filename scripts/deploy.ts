// npm run deploy:cloudrun|gke|cross -- [flags]: thin entry; the logic is src/platforms/deploy-cli.ts.
import { main } from '../src/platforms/deploy-cli.ts';

process.exitCode = await main(process.argv.slice(2));
