// handleSummary shared by every scenario: writes k6's summary data, untouched, where the runner asked,
// and nothing to stdout (the runner renders console.txt itself).
export function summaryOutputs(summaryPath: string | null, data: unknown): Record<string, string> {
  return summaryPath ? { [summaryPath]: JSON.stringify(data, null, 2) } : {};
}
