import { connect, createServer } from "node:net";

/**
 * Runs inside the test's host-side network namespace (`ip netns exec … node relay.js SPEC`):
 * accepts TCP on the addresses the container knows (IMDS, the stand-ins) and pipes each
 * connection to a unix socket the test process serves. Prints "ready" once every port listens.
 */
interface Route {
  host: string;
  port: number;
  socket: string;
}

const routes = JSON.parse(process.argv[2] ?? "[]") as Route[];
let listening = 0;
for (const r of routes) {
  const server = createServer((client) => {
    const upstream = connect(r.socket);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
  });
  server.listen(r.port, r.host, () => {
    listening += 1;
    if (listening === routes.length) process.stdout.write("ready\n");
  });
}
process.on("SIGTERM", () => process.exit(0));
