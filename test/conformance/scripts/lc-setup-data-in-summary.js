// The setup data shows in handleSummary's data (setup_data).
export const options = { iterations: 1 };
export function setup() {
  return { greeting: 'hi' };
}
export default function () {}
export function handleSummary(data) {
  return { [__ENV.SUMMARY_OUT]: JSON.stringify(data) };
}
