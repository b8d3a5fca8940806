import { PRIVILEGED_NODE_LABEL } from "../../config/names";

export interface NodeAffinity {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: { matchExpressions: { key: string; operator: "DoesNotExist" }[] }[];
    };
  };
}

/**
 * Keeps a pod (the controller, a listener: both hold GitHub sessions) off nodes marked for
 * privileged runner sets, whatever tolerations it may gain. The taint alone keeps it off too;
 * this says so in the pod itself.
 */
export function awayFromPrivileged(): NodeAffinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: PRIVILEGED_NODE_LABEL, operator: "DoesNotExist" }] }],
      },
    },
  };
}
