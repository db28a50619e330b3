// Test stand-in for app/server.ts that starts but never prints its "listening" line (a hung start-up).
process.stderr.write(`hang-server: pretending to start as ${process.pid}\n`);
setInterval(() => {}, 60_000);
