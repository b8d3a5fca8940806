/**
 * GitHub's rules for an App JWT's times, one function for every stand-in that takes an App JWT
 * (the REST stand-in, the scale-set stand-in), so they cannot drift apart: iat and exp are numbers,
 * exp is in the future and at most 10 minutes ahead, the token lives at most 10 minutes
 * (exp − iat ≤ 600), and iat is not in the future beyond 60 s of clock skew (GitHub's docs advise
 * backdating iat 60 s against drift; the allowance is ours). Source: docs.github.com "Generating a
 * JSON Web Token (JWT) for a GitHub App"; the messages are the ones GitHub answers with.
 */
export function appJwtClaimsProblem(claims: { iat?: unknown; exp?: unknown }, nowS: number): string | undefined {
  if (typeof claims.iat !== "number") return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  if (typeof claims.exp !== "number") return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  if (claims.iat > nowS + 60) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (claims.exp <= nowS) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  // Both: at most 10 minutes long, and at most 10 minutes ahead of GitHub's clock (what clients
  // with a clock running ahead meet: octokit/auth-app.js#698, probot/probot#942).
  if (claims.exp - claims.iat > 600 || claims.exp > nowS + 600) return "'Expiration time' claim ('exp') is too far in the future";
  return undefined;
}
