// handleSummary throwing: k6 logs it and falls back to the text summary.
export const options = { iterations: 1 };
export default function () {}
export function handleSummary() {
  throw new Error('summary exploded');
}
