import { crossCheck } from "./cross-checks";
import { stackConfigObject } from "./schema";

/** The whole stack's config: every key's own schema, then the checks that span keys. */
export const stackConfigSchema = stackConfigObject.superRefine(crossCheck);
