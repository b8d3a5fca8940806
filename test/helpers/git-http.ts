import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * Git's own smart-HTTP server (`git http-backend`, the CGI Debian's git ships) behind a Node HTTP
 * server on 127.0.0.1 that answers 401 to any request without `Authorization: basic
 * base64(x-access-token:<token>)`, the header GitHub accepts from actions/checkout. It counts
 * the bytes that cross the sockets in both directions, HTTP framing included.
 */
export interface GitHttpServer {
  /** http://127.0.0.1:<port>; repositories are served at <url>/<owner>/<repo> from <root>/<owner>/<repo>. */
  url: string;
  stats(): { bytesOut: number; bytesIn: number; requests: number; refused: number };
  close(): Promise<void>;
}

export function basicAuthFor(token: string): string {
  return `basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

/** `token`: the one token (or tokens, one per job as GitHub issues them) it accepts; undefined: no authentication. */
export async function serveGit(root: string, token: string | string[] | undefined): Promise<GitHttpServer> {
  const sockets = new Set<Socket>();
  let closedOut = 0;
  let closedIn = 0;
  let requests = 0;
  let refused = 0;
  const credentials = token === undefined ? undefined : (Array.isArray(token) ? token : [token]).map((t) => basicAuthFor(t).slice("basic ".length));

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const auth = req.headers.authorization;
    // The scheme is case-insensitive (RFC 9110), the credential is not.
    const ok = credentials === undefined || (auth !== undefined && /^basic /i.test(auth) && credentials.includes(auth.slice(6)));
    if (!ok) {
      refused++;
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" }).end("authentication required\n");
      return;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_USER: "x-access-token",
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: root,
    };
    if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
    if (req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);
    const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    req.pipe(cgi.stdin);
    cgi.stdin.on("error", () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    let stderr = "";
    cgi.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", (code) => {
      if (!headersDone) res.writeHead(500).end(`http-backend exited ${code}: ${stderr}`);
      else res.end();
    });
  };

  const server = createServer(handle);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => {
      closedOut += s.bytesWritten;
      closedIn += s.bytesRead;
      sockets.delete(s);
    });
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => {
      let out = closedOut;
      let inn = closedIn;
      for (const s of sockets) {
        out += s.bytesWritten;
        inn += s.bytesRead;
      }
      return { bytesOut: out, bytesIn: inn, requests, refused };
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
