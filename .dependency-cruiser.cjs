// The layout rule (DESIGN.md section 2): config/ at the ground, components/ above, stacks/ on top;
// control-plane/ and host/ run elsewhere (Lambda, EC2) and share only protocol/ with the program.
// `npm test` runs this; test/unit/layout.test.ts shows each rule failing on a wrong import.
const PROGRAM_ONLY = "^(config|components|stacks|tools|bench|policy|test)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "An import cycle in our own code hides which way things flow.",
      from: { pathNot: "node_modules" },
      to: { circular: true, pathNot: "node_modules" },
    },
    {
      name: "config-is-the-ground",
      severity: "error",
      comment: "config/ (schema, model, names, versions) imports nothing of the floors above it.",
      from: { path: "^config/" },
      to: { path: "^(components|stacks|tools|bench|policy|test|host|control-plane)/" },
    },
    {
      name: "components-below-stacks",
      severity: "error",
      comment: "components/ take config/ types and their own helpers; never a stack role, a tool or a test.",
      from: { path: "^components/" },
      to: { path: "^(stacks|tools|bench|policy|test)/" },
    },
    {
      name: "components-meet-bundles-through-protocol",
      severity: "error",
      comment: "What the program tells the control plane or a host is a protocol/ type, not their code.",
      from: { path: "^components/" },
      to: { path: "^(host|control-plane)/" },
    },
    {
      name: "stacks-are-the-roof",
      severity: "error",
      comment: "Nothing in the program imports a stack role; tools, benchmarks and tests may.",
      from: { path: "^(config|components|policy)/" },
      to: { path: "^stacks/" },
    },
    {
      name: "bundles-stand-alone",
      severity: "error",
      comment: "control-plane/ and host/ are bundled for Lambda and EC2: no program code, no @pulumi/*.",
      from: { path: "^(host|control-plane)/" },
      to: { path: [PROGRAM_ONLY, "node_modules/@pulumi/", "^@pulumi/"] },
    },
    {
      name: "host-and-control-plane-apart",
      severity: "error",
      comment: "They share only protocol/.",
      from: { path: "^host/" },
      to: { path: "^control-plane/" },
    },
    {
      name: "control-plane-and-host-apart",
      severity: "error",
      comment: "They share only protocol/.",
      from: { path: "^control-plane/" },
      to: { path: "^host/" },
    },
    {
      name: "protocol-imports-nothing",
      severity: "error",
      comment: "protocol/ is plain types shared by three runtimes.",
      from: { path: "^protocol/" },
      to: { pathNot: "^protocol/" },
    },
    {
      name: "checkout-stands-alone",
      severity: "error",
      comment: "checkout/ is an action other repositories run from its committed bundle: npm libraries and Node built-ins only.",
      from: { path: "^checkout/" },
      to: { pathNot: "^(checkout/|node_modules/)", dependencyTypesNot: ["core"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|bin|test-results|checkout/dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mts", ".js", ".cjs", ".mjs", ".json"] },
  },
};
