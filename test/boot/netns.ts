import { execFileSync } from "node:child_process";

/**
 * Two network namespaces of the test's own, joined by a veth pair: the container's, and a "host
 * side" that plays the EC2 network (169.254.169.254 and the stand-ins' address live there). The
 * machine's own network is never touched; servers in the test process stay on 127.0.0.1 and are
 * reached through the bridge (bridge.ts) over unix sockets, which cross namespaces.
 */
export interface NetPair {
  /** Namespace names (ip netns); the container joins `container` by its /run/netns path. */
  host: string;
  container: string;
  containerPath: string;
  /** The host side's address as the container sees it (stand-ins listen here). */
  hostAddr: string;
  containerAddr: string;
  close(): void;
}

export const IMDS_ADDR = "169.254.169.254";

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

export function createNetPair(tag: string): NetPair {
  const id = `${tag}${process.pid}`.slice(-10);
  const host = `rfb-${id}-h`;
  const container = `rfb-${id}-c`;
  const [vh, vc] = [`rf${id}h`.slice(-15), `rf${id}c`.slice(-15)];
  // The pair is private to these namespaces, so fixed addresses never collide with other runs.
  const [hostAddr, containerAddr] = ["10.213.0.1", "10.213.0.2"];
  const close = (): void => {
    for (const ns of [host, container]) {
      try {
        ip("netns", "delete", ns);
      } catch {
        // already gone
      }
    }
  };
  close();
  try {
    ip("netns", "add", host);
    ip("netns", "add", container);
    ip("link", "add", vh, "type", "veth", "peer", "name", vc);
    ip("link", "set", vh, "netns", host);
    ip("link", "set", vc, "netns", container);
    ip("-n", host, "addr", "add", `${hostAddr}/30`, "dev", vh);
    ip("-n", host, "addr", "add", `${IMDS_ADDR}/32`, "dev", vh);
    ip("-n", host, "link", "set", "lo", "up");
    ip("-n", host, "link", "set", vh, "up");
    ip("-n", container, "addr", "add", `${containerAddr}/30`, "dev", vc);
    ip("-n", container, "link", "set", vc, "up");
    ip("-n", container, "route", "add", "default", "via", hostAddr);
  } catch (e) {
    close();
    throw e;
  }
  return { host, container, containerPath: `/run/netns/${container}`, hostAddr, containerAddr, close };
}
