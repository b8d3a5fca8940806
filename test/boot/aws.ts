import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Aws {
  endpoint: string;
  region: string;
  creds: Creds;
}

/**
 * AWS calls from the test, signed by curl's SigV4 (the same signer the hosts use): moto runs with
 * IAM auth on, so it checks every signature and evaluates the caller's policies as AWS would.
 * Keys go to curl on stdin.
 */
function curl(a: Aws, service: string, args: string[]): Promise<{ status: number; text: string }> {
  const cfg = [`user = "${a.creds.accessKeyId}:${a.creds.secretAccessKey}"`, ...(a.creds.sessionToken ? [`header = "x-amz-security-token: ${a.creds.sessionToken}"`] : [])].join("\n");
  return new Promise((resolve, reject) => {
    const p = spawn("curl", ["-sS", "--aws-sigv4", `aws:amz:${a.region}:${service}`, "-K", "-", "-w", "\n%{http_code}", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`curl ${service}: exit ${code}: ${err}`));
      const i = out.lastIndexOf("\n");
      resolve({ status: Number(out.slice(i + 1)), text: out.slice(0, i) });
    });
    p.stdin.end(cfg + "\n");
  });
}

/** A Query-protocol action (IAM, STS, Auto Scaling, EC2): form-encoded POST, XML answer. */
export async function query(a: Aws, service: string, version: string, action: string, params: Record<string, string> = {}): Promise<string> {
  // RFC 3986 encoding, as the AWS SDKs send it (moto re-encodes the form when it checks the signature).
  const enc = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = Object.entries({ Action: action, Version: version, ...params })
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join("&");
  const r = await curl(a, service, ["-H", "content-type: application/x-www-form-urlencoded", "--data-binary", form, `${a.endpoint}/`]);
  if (r.status < 200 || r.status >= 300) throw new Error(`${service} ${action}: HTTP ${r.status}: ${r.text.slice(0, 600)}`);
  return r.text;
}

export async function s3(a: Aws, method: "PUT" | "GET" | "DELETE", path: string, body?: Buffer): Promise<{ status: number; text: string }> {
  const sha = createHash("sha256").update(body ?? Buffer.alloc(0)).digest("hex");
  // curl's default for --data-binary (form-encoded) would make S3 read the body as a form.
  const args = ["-X", method, "-H", `x-amz-content-sha256: ${sha}`, "-H", "content-type: application/octet-stream"];
  if (!body) return curl(a, "s3", [...args, `${a.endpoint}${path}`]);
  const dir = mkdtempSync(join(tmpdir(), "s3put-"));
  try {
    writeFileSync(join(dir, "body"), body);
    return await curl(a, "s3", [...args, "--data-binary", `@${join(dir, "body")}`, `${a.endpoint}${path}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function s3Put(a: Aws, bucket: string, key: string, body: Buffer | string): Promise<void> {
  const r = await s3(a, "PUT", `/${bucket}/${key}`, Buffer.from(body));
  if (r.status !== 200) throw new Error(`PUT s3://${bucket}/${key}: HTTP ${r.status}: ${r.text.slice(0, 400)}`);
}

/** The text of every <tag> element, in order. */
export function xmlAll(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1]!);
}

export function xml(xmlText: string, tag: string): string {
  const v = xmlAll(xmlText, tag)[0];
  if (v === undefined) throw new Error(`no <${tag}> in ${xmlText.slice(0, 300)}`);
  return v;
}
