// Shared by the corpus: hands k6's summary data to the harness as JSON (the file named by SUMMARY_OUT).
export function handleSummary(data) {
  return { [__ENV.SUMMARY_OUT]: JSON.stringify(data, null, 2) };
}
