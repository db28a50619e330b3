// open() of a file that does not exist: an init-context error.
const text = open('./lib/no-such-file.txt');
export default function () {
  return text;
}
