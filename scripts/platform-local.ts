// `npm run platform:local -- [--json] [--pong-delay-ms N]`: the local platform until Ctrl+C (logic in src/platforms/local-cli.ts).
import { main } from '../src/platforms/local-cli.ts';

process.exitCode = await main(process.argv.slice(2));
