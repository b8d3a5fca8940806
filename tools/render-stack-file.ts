import { existsSync } from "node:fs";
import { join } from "node:path";
import { fleetProgram } from "../stacks/program";
import { asStackReference, renderStack, type RenderResult } from "./render-lib";
import { PROJECT, readStackFile, type StackFileConfig } from "./stack-file";

/** `org/project/prod` → `prod`: the platform's stack file in this project, if it is one of ours. */
function localStackOf(reference: string): string | undefined {
  const parts = reference.split("/");
  return parts.length === 3 && parts[1] === PROJECT ? parts[2] : undefined;
}

function platformOf(file: StackFileConfig): string | undefined {
  const raw = file.config[`${PROJECT}:platform`];
  return raw === undefined ? undefined : raw.replace(/^"|"$/g, "");
}

/**
 * Renders `Pulumi.<stack>.yaml` offline. A team stack's StackReference is answered by rendering its
 * platform stack from this project's own stack file first, so the team sees the outputs it would.
 */
export async function renderStackFile(dir: string, stack: string, note: (msg: string) => void = () => undefined, overrides?: (f: StackFileConfig) => StackFileConfig): Promise<RenderResult> {
  const file = (overrides ?? ((f) => f))(readStackFile(dir, stack));
  for (const n of file.notes) note(n);
  const stackOutputs: Record<string, { outputs: Record<string, unknown>; secretOutputNames: string[] }> = {};
  const platform = platformOf(file);
  if (platform !== undefined) {
    const local = localStackOf(platform);
    if (local !== undefined && local !== stack && existsSync(join(dir, `Pulumi.${local}.yaml`))) {
      note(`${platform} is rendered from Pulumi.${local}.yaml to answer the StackReference`);
      const platformRender = await renderStackFile(dir, local, note, overrides);
      stackOutputs[platform] = asStackReference(platformRender.outputs);
    } else {
      note(`${platform} is not a stack file of this project; the StackReference sees no outputs`);
    }
  }
  return renderStack({ project: PROJECT, stack, config: file.config, secretKeys: file.secretKeys, program: () => fleetProgram(), stackOutputs });
}
