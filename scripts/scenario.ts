// `npm run scenario:<platform> -- [flags]`: thin entry; everything lives in src/runner/cli.ts.
import { main } from '../src/runner/cli.ts';

process.exitCode = await main(process.argv.slice(2));
