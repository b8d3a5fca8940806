/**
 * EC2 on-demand Linux list prices, USD per hour, us-east-1, as of PRICES_AS_OF. Used only for the
 * fleet summary's monthly estimate; spot pools are shown at these prices, an upper bound. Update the
 * date with the numbers.
 */
export const PRICES_AS_OF = "2026-11-01";
export const HOURS_PER_MONTH = 730;
export const EKS_CONTROL_PLANE_PER_HOUR = 0.1;

export const ON_DEMAND_USD_PER_HOUR: Record<string, number> = {
  "t4g.large": 0.0672,
  "c6g.large": 0.068,
  "c6g.2xlarge": 0.272,
  "c7g.large": 0.0725,
  "c7g.2xlarge": 0.29,
  "m7g.large": 0.0816,
  "m7g.2xlarge": 0.3264,
  "c6i.large": 0.085,
  "c6i.2xlarge": 0.34,
  "c6i.metal": 5.44,
  "m6i.large": 0.096,
  "m6i.2xlarge": 0.384,
  "m6i.metal": 6.144,
  "m7i.large": 0.1008,
  "m7i.2xlarge": 0.4032,
  "m7a.xlarge": 0.23184,
};
