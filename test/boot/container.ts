import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NetPair } from "./netns";

export interface ConsoleLine {
  /** Date.now() when the line reached the test. */
  at: number;
  text: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Run as this user (a transient unit's User=); root when absent. */
  user?: string;
  timeoutMs?: number;
}

/**
 * One instance's disk (an overlay over the cached root, so the root stays pristine and a second
 * boot of the same disk sees what the first one left, as a stopped EC2 instance does) and its
 * boots under systemd-nspawn, in the test's own network namespace.
 */
export class Instance {
  readonly root: string;
  readonly lines: ConsoleLine[] = [];
  private proc: ChildProcess | undefined;
  private waiters: { re: RegExp; from: number; resolve: (l: ConsoleLine) => void }[] = [];
  private partial = "";
  bootedAt = 0;

  constructor(
    dir: string,
    lower: string,
    private readonly net: NetPair,
    readonly name: string,
  ) {
    this.root = join(dir, "root");
    for (const d of ["upper", "work", "root"]) mkdirSync(join(dir, d), { recursive: true });
    execFileSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${join(dir, "upper")},workdir=${join(dir, "work")}`, this.root]);
  }

  /** cloud-init's NoCloud seed: the instance id and the program's user-data. */
  seed(instanceId: string, userData: string): void {
    const d = join(this.root, "var/lib/cloud/seed/nocloud");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "meta-data"), `instance-id: ${instanceId}\nlocal-hostname: ${this.name}\n`);
    writeFileSync(join(d, "user-data"), userData);
  }

  /**
   * `--register=no --keep-unit`: there is no system bus on this machine (DESIGN.md §6). What an EC2
   * instance has and nspawn withholds, given back only as far as the tests need it:
   * - CAP_NET_ADMIN (nspawn grants it only with --private-network): the IMDS firewall's iptables;
   *   the namespace is the test's own, so rules touch nothing else.
   * - /proc/sys/net writable (SYSTEMD_NSPAWN_API_VFS_WRITABLE=network): a rootless dockerd sets
   *   ip_forward in its own network namespace.
   * - the keyring system calls (@keyring, refused by nspawn's seccomp filter): runc gives every
   *   container a session keyring.
   */
  boot(o: { unifiedCgroups?: boolean } = {}): void {
    if (this.proc) throw new Error(`${this.name} is already running`);
    this.lines.length = 0;
    this.partial = "";
    this.bootedAt = Date.now();
    const p = spawn(
      "systemd-nspawn",
      ["-D", this.root, "--boot", "--register=no", "--keep-unit", `--network-namespace-path=${this.net.containerPath}`, "--capability=CAP_NET_ADMIN", "--system-call-filter=@keyring", ...(o.unifiedCgroups ? ["--system-call-filter=bpf"] : []), `--machine=${this.name}`, "--console=read-only"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: "network", ...(o.unifiedCgroups ? { SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: "1" } : {}) } },
    );
    const onData = (d: Buffer): void => this.take(d.toString());
    p.stdout.on("data", onData);
    p.stderr.on("data", onData);
    p.once("exit", () => {
      if (this.proc === p) this.proc = undefined;
    });
    this.proc = p;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null;
  }

  private take(chunk: string): void {
    // eslint-disable-next-line no-control-regex
    const text = (this.partial + chunk).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/\r/g, "");
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const t of parts) {
      const line = { at: Date.now(), text: t };
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(t)) return true;
        w.resolve(line);
        return false;
      });
    }
  }

  /** The first console line (of this boot) matching `re`, already seen or still to come. */
  waitFor(re: RegExp, timeoutMs: number): Promise<ConsoleLine> {
    const seen = this.lines.find((l) => re.test(l.text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.name}: no console line matching ${re} within ${timeoutMs} ms; last lines:\n${this.tail(40)}`));
      }, timeoutMs);
      const done = (l: ConsoleLine): void => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({ re, from: Date.now(), resolve: done });
    });
  }

  tail(n: number): string {
    return this.lines
      .slice(-n)
      .map((l) => l.text)
      .join("\n");
  }

  /** The container's PID 1 (systemd), as this machine sees it. */
  pid1(): number {
    if (!this.proc?.pid) throw new Error(`${this.name} is not running`);
    const kids = execFileSync("pgrep", ["-P", String(this.proc.pid)], { encoding: "utf8" }).trim().split("\n").map(Number);
    const init = kids.find((k) => readFileSync(`/proc/${k}/comm`, "utf8").trim() === "systemd");
    if (!init) throw new Error(`${this.name}: no systemd under nspawn ${this.proc.pid}`);
    return init;
  }

  /**
   * Runs a command inside, as a transient unit of the container's own systemd (so it has the
   * container's capabilities and cgroups, not this test's), optionally as another user.
   */
  exec(argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
    const props = o.user ? ["-p", `User=${o.user}`] : [];
    const args = ["-t", String(this.pid1()), "-m", "-u", "-i", "-n", "-p", "--", "systemd-run", "--wait", "--pipe", "--quiet", "--collect", ...props, "--", ...argv];
    return new Promise((resolve, reject) => {
      const p = spawn("nsenter", args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        p.kill("SIGKILL");
        reject(new Error(`${argv.join(" ")}: no answer within ${o.timeoutMs ?? 30_000} ms`));
      }, o.timeoutMs ?? 30_000);
      p.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /**
   * Waits for a condition the test observes from outside (stand-ins' records, the instance's disk);
   * on timeout the error carries the console's tail and `context()`.
   */
  async until(what: string, ok: () => boolean, ms = 120_000, context: () => string = () => ""): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out: ${what}\n${this.tail(80)}\n${context()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Runs `sh -c script` inside once a second until `done` holds for its output or `seconds` pass; returns the last output. */
  async shellUntil(script: string, done: (stdout: string) => boolean, seconds = 60): Promise<string> {
    let out = (await this.exec(["sh", "-c", script])).stdout;
    for (let i = 1; i < seconds && !done(out); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      out = (await this.exec(["sh", "-c", script])).stdout;
    }
    return out;
  }

  /** A file of the instance's disk, read from this side. */
  read(path: string): string {
    return readFileSync(join(this.root, path), "utf8");
  }

  has(path: string): boolean {
    return existsSync(join(this.root, path));
  }

  /** A clean shutdown, as a stop of the instance: nspawn asks the container's systemd to power off. */
  async stop(timeoutMs = 60_000): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
      p.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      p.kill("SIGTERM");
    });
    this.proc = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop(20_000);
    try {
      execFileSync("umount", ["-R", this.root], { stdio: "ignore" });
    } catch {
      execFileSync("umount", ["-l", this.root], { stdio: "ignore" });
    }
  }
}
