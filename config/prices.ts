/**
 * EC2 on-demand Linux list prices, USD per hour, us-east-1, as of PRICES_AS_OF. Used for the
 * fleet summary's monthly estimate and the dashboard's cost per day; spot pools are shown at these prices, an upper bound. Update the
 * date with the numbers.
 */
export const PRICES_AS_OF = "2026-11-01";
export const HOURS_PER_MONTH = 730;
export const EKS_CONTROL_PLANE_PER_HOUR = 0.1;
/** Lambda on arm64 (Graviton), per GB-second of duration and per million requests. */
export const LAMBDA_ARM64_USD_PER_GB_SECOND = 0.0000133334;
export const LAMBDA_USD_PER_MILLION_REQUESTS = 0.2;
/** Secrets Manager, per secret per month; CloudWatch, per standard-resolution alarm per month. */
export const SECRET_USD_PER_MONTH = 0.4;
export const ALARM_USD_PER_MONTH = 0.1;

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

/**
 * The cheapest listed type with a known price: the groups' price-capacity strategy leans that way, so
 * it is the fairer estimate. One rule for the fleet summary and the dashboard's cost per day.
 */
export function cheapestOnDemand(types: readonly string[]): { price: number | undefined; type: string | undefined } {
  const priced = types.filter((t) => ON_DEMAND_USD_PER_HOUR[t] !== undefined).sort((a, b) => ON_DEMAND_USD_PER_HOUR[a]! - ON_DEMAND_USD_PER_HOUR[b]!);
  return priced[0] ? { price: ON_DEMAND_USD_PER_HOUR[priced[0]], type: priced[0] } : { price: undefined, type: undefined };
}
