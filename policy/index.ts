import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

// `pulumi preview --policy-pack policy`: every policy is mandatory.
new PolicyPack("runner-fleet", { policies });
