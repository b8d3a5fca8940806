import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { HostPoolModel } from "../../config/host-model";
import { component } from "../types";
import { fleetDashboards } from "./dashboard";

export interface FleetDashboardArgs {
  fleet: string;
  pools: HostPoolModel[];
  region: pulumi.Input<string>;
  listenerFunctionName: pulumi.Input<string>;
  brokerFunctionName: pulumi.Input<string>;
}

/**
 * What operators look at: the stack's CloudWatch dashboard(s) over the control plane's metrics,
 * per pool and across pools (components/control-plane/dashboard.ts builds the bodies). Dashboards
 * are named from the fleet and hold no state; more than fit one dashboard go on to numbered ones.
 */
export class FleetDashboard extends pulumi.ComponentResource {
  readonly dashboardNames: string[];

  constructor(name: string, args: FleetDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("FleetDashboard", opts);
    super(type, name, {}, options);
    // The count and names of the dashboards depend only on the pools, never on unknown outputs.
    const shape = fleetDashboards({ fleet: args.fleet, region: "", pools: poolsOf(args.pools), listenerFunctionName: "", brokerFunctionName: "" });
    this.dashboardNames = shape.map((d) => d.name);
    shape.forEach((d, i) => {
      const body = pulumi.all([args.region, args.listenerFunctionName, args.brokerFunctionName]).apply(([region, listener, broker]) =>
        JSON.stringify(fleetDashboards({ fleet: args.fleet, region, pools: poolsOf(args.pools), listenerFunctionName: listener, brokerFunctionName: broker })[i]!.body),
      );
      new aws.cloudwatch.Dashboard(d.name, { dashboardName: d.name, dashboardBody: body }, { parent: this });
    });
    this.registerOutputs({ dashboardNames: this.dashboardNames });
  }
}

function poolsOf(pools: HostPoolModel[]) {
  return pools.map((p) => ({ name: p.name, scaleSetName: p.scaleSetName, instanceTypes: p.config.instanceTypes, spot: p.config.spot }));
}
