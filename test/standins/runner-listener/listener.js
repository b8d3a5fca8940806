"use strict";
// Stand-in for the runner's listener (actions/runner 2.336.0), enough of it to hold the agent to
// what the real one does: `run` with the JIT config from ACTIONS_RUNNER_INPUT_JITCONFIG (this fleet
// never passes --jitconfig on argv, so it is refused here), the config files written next to bin/
// (.runner, .credentials, .credentials_rsaparams), _diag and _work under the root, one job from the
// stand-in service, the job hooks, steps run with bash as the listener's own user, and the exit
// codes run-helper.sh.template understands (0 done, 1 terminated, 2 retryable, 3/4 updating).
const fs = require("fs");
const path = require("path");
const http = require("http");
const { spawn } = require("child_process");

const root = path.resolve(path.dirname(fs.realpathSync(__filename)), "..");
const diag = path.join(root, "_diag");
const say = (m) => process.stdout.write(`[stand-in listener] ${m}\n`);
const die = (m, code = 1) => {
  process.stderr.write(`[stand-in listener] ${m}\n`);
  process.exit(code);
};

const args = process.argv.slice(2);
if (args[0] !== "run") die(`unsupported command ${args[0]}`);
if (args.includes("--jitconfig")) die("--jitconfig on the command line: this fleet passes it in ACTIONS_RUNNER_INPUT_JITCONFIG");
const jit = process.env.ACTIONS_RUNNER_INPUT_JITCONFIG;
if (!jit) die("not configured: no ACTIONS_RUNNER_INPUT_JITCONFIG");
let files;
try {
  files = JSON.parse(Buffer.from(jit, "base64").toString("utf8"));
} catch (e) {
  die(`bad JIT config: ${e.message}`);
}
try {
  for (const [name, b64] of Object.entries(files)) {
    if (!/^\.[a-z_]+$/.test(name)) die(`bad JIT file ${name}`);
    fs.writeFileSync(path.join(root, name), Buffer.from(b64, "base64"), { mode: 0o600 });
  }
  fs.mkdirSync(diag, { recursive: true });
  fs.appendFileSync(path.join(diag, `Runner_${Date.now()}.log`), `started in ${root} as uid ${process.getuid()}\n`);
} catch (e) {
  die(`cannot write the runner's files under ${root}: ${e.message}`);
}
const settings = JSON.parse(fs.readFileSync(path.join(root, ".runner"), "utf8"));
const server = new URL(settings.serverUrl);

function post(p, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: server.hostname, port: server.port, path: p, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      let t = "";
      res.on("data", (d) => (t += d));
      res.on("end", () => resolve({ status: res.statusCode, body: t ? JSON.parse(t) : undefined }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

let current;
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    stopping = true;
    say(`${sig}: cancelling`);
    if (current) try { process.kill(-current.pid, "SIGKILL"); } catch {}
    setTimeout(() => process.exit(0), 200);
  });
}

function bash(file, argv, env, cwd) {
  return new Promise((resolve) => {
    const p = spawn("bash", argv, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    current = p;
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (code) => {
      current = undefined;
      resolve({ code, out });
    });
  });
}

async function main() {
  let job;
  while (!job) {
    if (stopping) return;
    let r;
    try {
      r = await post("/acquire", { runnerId: settings.agentId, runnerName: settings.agentName });
    } catch (e) {
      die(`service unreachable: ${e.message}`, 2);
    }
    if (r.status === 200) job = r.body;
    else if (r.status === 404) die("runner deleted", 1);
    else await new Promise((res) => setTimeout(res, 100));
  }
  say(`running job ${job.id}`);
  const work = path.join(root, settings.workFolder || "_work");
  const ws = path.join(work, job.repo, job.repo);
  const temp = path.join(work, "_temp");
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(temp, { recursive: true });
  const env = { ...process.env, ...job.env, GITHUB_WORKSPACE: ws, RUNNER_TEMP: temp, RUNNER_NAME: settings.agentName, GITHUB_JOB: job.id };
  delete env.ACTIONS_RUNNER_INPUT_JITCONFIG;
  const outputs = [];
  let result = "succeeded";
  if (process.env.ACTIONS_RUNNER_HOOK_JOB_STARTED) {
    const h = await bash("hook", ["-e", process.env.ACTIONS_RUNNER_HOOK_JOB_STARTED], env, ws);
    if (h.code !== 0) result = "failed";
  }
  for (const step of job.steps) {
    if (result !== "succeeded" || stopping) break;
    const s = await bash("step", ["-e", "-c", step], env, ws);
    outputs.push(s.out);
    if (s.code !== 0) result = "failed";
  }
  if (process.env.ACTIONS_RUNNER_HOOK_JOB_COMPLETED) await bash("hook", ["-e", process.env.ACTIONS_RUNNER_HOOK_JOB_COMPLETED], env, ws);
  await post("/complete", { id: job.id, runnerId: settings.agentId, runnerName: settings.agentName, result, outputs, uid: process.getuid() });
  // An ephemeral runner removes its registration files after its one job.
  for (const f of Object.keys(files)) fs.rmSync(path.join(root, f), { force: true });
  process.exit(job.listenerExit || 0);
}
main().catch((e) => die(e.stack || String(e)));
