// Types shared by the Pulumi program, the control plane and the host agent. Imports nothing.
export * from "./agent-config";
export * from "./broker";
export * from "./control-plane-config";
export * from "./mirror";
export * from "./control-plane-events";
export * from "./labels";
export * from "./git-keeper";
