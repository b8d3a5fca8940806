import { writeFileSync } from "node:fs";
import { compactInstanceTypes, motoVersion, readMotoInstanceTypes } from "./ec2-instance-types-data";

// Regenerates config/ec2-instance-types.json from AWS's DescribeInstanceTypes data (via moto).
const data = { source: `AWS DescribeInstanceTypes as recorded in moto ${motoVersion()} (ec2/resources/instance_types.json.gz)`, ...compactInstanceTypes(readMotoInstanceTypes()) };
writeFileSync("config/ec2-instance-types.json", JSON.stringify(data) + "\n");
console.log(`config/ec2-instance-types.json: ${Object.keys(data.amd64).length} amd64 and ${Object.keys(data.arm64).length} arm64 families`);
