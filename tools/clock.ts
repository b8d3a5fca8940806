/** The tools' notion of now; RUNNER_FLEET_NOW (ISO date) fixes it, so reports of a pin's age are testable. */
export function toolNow(): Date {
  const fixed = process.env.RUNNER_FLEET_NOW;
  const d = fixed ? new Date(fixed) : new Date();
  if (Number.isNaN(d.getTime())) throw new Error(`RUNNER_FLEET_NOW=${fixed} is not a date`);
  return d;
}
