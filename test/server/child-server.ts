// Starts `startServer` in its own process for the load test and the benchmark: argv[2] is the server
// config as JSON; prints one line `LISTENING <url>` on stdout; exits on SIGTERM after a graceful close.
import { startServer } from "../../src/server/app.js";

const config = JSON.parse(process.argv[2] ?? "{}");
const server = await startServer(config, { port: 0, address: "127.0.0.1", logger: false, handleSignals: false });
process.stdout.write(`LISTENING ${server.url}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
