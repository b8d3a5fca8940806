/**
 * GitHub's documented limits and how the control plane divides them between its functions. Shared
 * by the program (the broker's reserved concurrency), the control plane (each function's budget)
 * and the stand-ins and benchmark that hold them to the limits.
 *
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 * - "No more than 100 concurrent requests are allowed. This limit is shared across the REST API
 *   and GraphQL API."
 * - "No more than 900 points per minute are allowed for REST API endpoints"; "Most REST API GET,
 *   HEAD, and OPTIONS requests: 1" point, "Most REST API POST, PATCH, PUT, or DELETE requests: 5".
 * - Primary: GitHub App installations get at least 5,000 requests per hour (more with users and
 *   repositories, up to 12,500; 15,000 on Enterprise Cloud).
 * - Exceeded: 403 or 429; "If the retry-after response header is present, you should not retry
 *   your request until after that many seconds has elapsed. If the x-ratelimit-remaining header
 *   is 0, you should not make another request until after the time specified by the
 *   x-ratelimit-reset header."
 */
export const GITHUB_LIMITS = {
  concurrentRequests: 100,
  pointsPerMinute: 900,
  readPoints: 1,
  writePoints: 5,
  installationRequestsPerHour: 5000,
} as const;

/** Points GitHub charges for one REST request by its method. */
export function githubPoints(method: string): number {
  return /^(GET|HEAD|OPTIONS)$/i.test(method) ? GITHUB_LIMITS.readPoints : GITHUB_LIMITS.writePoints;
}

/**
 * The broker's reserved concurrency: its budget is divided among at most this many warm
 * containers, each holding its part in memory (a Lambda container serves one request at a time).
 */
export const BROKER_MAX_CONTAINERS = 10;

/**
 * The share of GitHub's limits each party of one stack's credential may use. Together 80 % of
 * the documented points and 40 of the 100 concurrent requests, so a burst never reaches a limit
 * even with the reaper, a deploy and an operator's own calls at once. Hosts' JIT configs take most
 * (5 points each: 450 points is 90 runners a minute, 5,400 an hour); the listener's own budgeted
 * calls are few (its message-session calls go to the actions service's queue, not the REST API,
 * and are paced by that service's Retry-After); registration at `up` has its own share so a
 * deploy never starves hosts.
 */
export const GITHUB_BUDGET_SHARES = {
  listener: { pointsPerMinute: 90, concurrent: 20 },
  deploy: { pointsPerMinute: 180, concurrent: 10 },
  /** All broker containers together; each gets 1/BROKER_MAX_CONTAINERS of it. */
  broker: { pointsPerMinute: 450, concurrent: BROKER_MAX_CONTAINERS },
} as const;

export type GitHubBudgetParty = keyof typeof GITHUB_BUDGET_SHARES;

/** One container's share. */
export function budgetShare(party: GitHubBudgetParty): { pointsPerMinute: number; concurrent: number } {
  const s = GITHUB_BUDGET_SHARES[party];
  return party === "broker" ? { pointsPerMinute: s.pointsPerMinute / BROKER_MAX_CONTAINERS, concurrent: s.concurrent / BROKER_MAX_CONTAINERS } : { ...s };
}
