import { fleetProgram } from "./stacks/program";

// Pulumi runs an exported function and turns the properties it returns into stack outputs.
export = fleetProgram;
