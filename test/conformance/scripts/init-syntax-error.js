// A syntax error: exit 107.
export default function () {
  const x = ;
}
