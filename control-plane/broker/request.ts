import { z } from "zod";
import type { BrokerRequest } from "../../protocol/broker";
import type { FunctionUrlEvent } from "./event";

/** The broker's bodies are small; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 8 * 1024;

const poolName = z.string().min(1).max(128);

const Jit = z.object({ v: z.literal(1), action: z.literal("jit"), pool: poolName, slot: z.number().int().min(1).max(1000), runnerVersion: z.string().regex(/^[0-9A-Za-z.+-]{1,32}$/).optional() }).strict();
const Deregister = z
  .object({ v: z.literal(1), action: z.literal("deregister"), pool: poolName, runnerIds: z.array(z.number().int().positive()).max(1000).optional() })
  .strict();
const Report = z
  .object({
    v: z.literal(1),
    action: z.literal("report"),
    pool: poolName,
    event: z.enum(["install-failed", "install-done", "registered", "leaving", "spot-interruption", "runner-rollover"]),
    detail: z.string().max(1000).optional(),
  })
  .strict();

const Leave = z
  .object({ v: z.literal(1), action: z.literal("leave"), pool: poolName, decrement: z.boolean(), reason: z.enum(["idle", "spot", "recycle"]) })
  .strict();

const Request = z.discriminatedUnion("action", [Jit, Deregister, Report, Leave]);

export type ParsedBody = { ok: true; request: BrokerRequest } | { ok: false; reason: string };

export function parseBody(event: FunctionUrlEvent): ParsedBody {
  if (typeof event.body !== "string" || event.body.length === 0) return { ok: false, reason: "empty body" };
  const buf = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (buf.length > MAX_BODY_BYTES) return { ok: false, reason: `body over ${MAX_BODY_BYTES} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString("utf8"));
  } catch {
    return { ok: false, reason: "body is not JSON" };
  }
  const parsed = Request.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ") };
  }
  return { ok: true, request: parsed.data };
}
