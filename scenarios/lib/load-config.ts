// The run config of a scenario, read once at init from __ENV (plain or base64, see config.ts).
import encoding from 'k6/encoding';
import { readConfig, type ScenarioConfig } from './config.ts';

export function loadConfig(): ScenarioConfig {
  return readConfig(__ENV, (b64) => encoding.b64decode(b64, 'std', 's'));
}
