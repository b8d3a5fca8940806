import type { z } from "zod";
import { isScopeError, parseGithubUrl } from "./github-url";
import { formatKeyPath } from "./errors";
import { scaleSetBase, scaleSetNames } from "./names";
import { clusterFacts, clusterIssues } from "./cluster-facts";
import { ENTERPRISE_APP_REFUSED, type StackConfig } from "./schema";

type Path = (string | number)[];

/** A team stack's names carry the team, so two teams never collide. */
export function prefixed(team: string | undefined, name: string): string {
  return team === undefined ? name : `${team}-${name}`;
}

/**
 * A target's own labels (lower-cased), the ones the overlap check compares. The self-hosted
 * defaults are left out: every set of an arch carries them (scaleSetLabels), which is legal; a
 * workflow that routes by them alone is ambiguous, and that is check-workflows' to report.
 */
export function routingLabels(target: { labels: string[] }): string[] {
  return [...new Set(target.labels.map((l) => l.toLowerCase()))];
}

function isSubset(a: string[], b: string[]): boolean {
  const bs = new Set(b);
  return a.every((x) => bs.has(x));
}

/** Relations between keys that no single field can check. Every issue names the key it is about. */
export function crossCheck(cfg: StackConfig, ctx: z.RefinementCtx): void {
  const issue = (path: Path, message: string): void => ctx.addIssue({ code: "custom", path, message });
  const mainScope = parseGithubUrl(cfg.github.url);
  const mainHost = isScopeError(mainScope) ? undefined : mainScope.host;

  const checkTarget = (path: Path, t: { githubUrl?: string | undefined; runnerGroup?: string | undefined }): void => {
    const scope = t.githubUrl === undefined ? mainScope : parseGithubUrl(t.githubUrl);
    if (isScopeError(scope)) {
      if (t.githubUrl !== undefined) issue([...path, "githubUrl"], scope.error);
      return;
    }
    if (t.githubUrl !== undefined && mainHost !== undefined && scope.host !== mainHost) {
      issue([...path, "githubUrl"], `must be on ${mainHost}, the host the credential in github.url is for (got ${scope.host})`);
    }
    if (t.githubUrl !== undefined && scope.kind === "enterprise" && cfg.github.auth === "app") issue([...path, "githubUrl"], ENTERPRISE_APP_REFUSED);
    if (t.runnerGroup !== undefined && scope.kind === "repo") {
      issue([...path, "runnerGroup"], "runner groups exist only for organisation and enterprise URLs; a repository's runners have none");
    }
  };

  const firstByName = (list: { name: string }[], key: string): void => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const prev = seen.get(item.name);
      if (prev !== undefined) issue([key, i, "name"], `duplicate name "${item.name}", already used by ${key}[${prev}]`);
      else seen.set(item.name, i);
    });
  };
  firstByName(cfg.runnerSets, "runnerSets");
  firstByName(cfg.hostPools, "hostPools");

  if (cfg.platform !== undefined && cfg.cluster !== undefined) {
    issue(["cluster"], "a team stack runs on its platform stack's cluster; remove this key (or the platform key)");
  }
  if (cfg.team !== undefined && cfg.platform === undefined) issue(["platform"], "required for a team stack: <org>/<project>/<stack> of the platform stack");
  if (cfg.github.auth === "platform" && cfg.platform === undefined) issue(["github", "auth"], "platform needs the platform key naming the platform stack");
  if (cfg.runnerSets.length > 0 && cfg.cluster === undefined && cfg.platform === undefined) {
    issue(["cluster"], "required when runnerSets are configured (type: kind, eks or existing), or name a platform stack");
  }
  const groups: { path: Path; g: StackConfig["runnerGroups"][number] }[] = [
    ...cfg.runnerGroups.map((g, i) => ({ path: ["runnerGroups", i] as Path, g })),
    ...cfg.teams.flatMap((t, ti) => t.runnerGroups.map((g, i) => ({ path: ["teams", ti, "runnerGroups", i] as Path, g }))),
  ];
  if (groups.length > 0 && !isScopeError(mainScope) && mainScope.kind !== "org") {
    issue([...groups[0]!.path.slice(0, -1)], "runner groups are created for an organisation URL in github.url");
  }
  const groupNames = new Map<string, Path>();
  for (const { path, g } of groups) {
    const prev = groupNames.get(g.name.toLowerCase());
    if (prev !== undefined) issue([...path, "name"], `duplicate runner group "${g.name}", already ${formatKeyPath(prev)}`);
    groupNames.set(g.name.toLowerCase(), path);
    if (g.visibility !== "selected" && g.repositories.length > 0) issue([...path, "repositories"], `only used with visibility: selected (it is ${g.visibility})`);
    if (g.visibility === "selected" && g.repositories.length === 0) issue([...path, "repositories"], "name the repositories that may use the group, or use visibility: all");
  }

  if (cfg.teams.length > 0) {
    if (cfg.platform !== undefined) issue(["teams"], "only a platform stack serves teams; a team stack names its platform instead");
    else if (cfg.cluster === undefined) issue(["teams"], "teams run on this stack's cluster: configure runner-fleet:cluster");
    firstByName(cfg.teams, "teams");
  }
  if (cfg.github.auth === "platform") {
    // The platform's key never reaches a team stack, so whatever needs it is the platform's to make.
    if (cfg.runnerGroups.length > 0) issue(["runnerGroups"], "a team on the platform's credential cannot create runner groups: list them under the platform's runner-fleet:teams[].runnerGroups");
    cfg.runnerSets.forEach((s, i) => {
      if (s.publishRouting) issue(["runnerSets", i, "publishRouting"], "needs a GitHub credential, which a team on the platform's credential does not hold: read the stack output runnerSets.<name>.routingHint instead");
    });
  }

  const scaleSetOwner = new Map<string, number>();
  cfg.runnerSets.forEach((s, i) => {
    const path: Path = ["runnerSets", i];
    checkTarget(path, s);
    for (const n of scaleSetNames(prefixed(cfg.team, s.name), s.instances)) {
      const prev = scaleSetOwner.get(n);
      if (prev !== undefined && prev !== i) issue([...path, "name"], `scale set name "${n}" is also derived from runnerSets[${prev}]`);
      scaleSetOwner.set(n, i);
    }
    if (s.publishRouting && !isScopeError(mainScope)) {
      const scope = s.githubUrl === undefined ? mainScope : parseGithubUrl(s.githubUrl);
      if (!isScopeError(scope) && scope.kind === "enterprise") issue([...path, "publishRouting"], "Actions variables exist for repositories and organisations, not enterprises");
    }
  });
  if (cfg.cluster !== undefined) {
    for (const i of clusterIssues(cfg.runnerSets, clusterFacts(cfg.cluster, cfg.arc), "this cluster")) issue([...i.path], i.message);
  }
  cfg.hostPools.forEach((p, i) => {
    checkTarget(["hostPools", i], p);
    // A pool is a scale set too: GitHub would see two sets of one name (and route to either).
    const n = scaleSetBase(prefixed(cfg.team, p.name));
    const set = scaleSetOwner.get(n);
    if (set !== undefined) issue(["hostPools", i, "name"], `scale set name "${n}" is also a scale set of runnerSets[${set}] (${cfg.runnerSets[set]!.name}); rename one`);
  });

  const targets = [
    ...cfg.runnerSets.map((s, i) => ({ path: ["runnerSets", i] as Path, name: s.name, labels: routingLabels(s) })),
    ...cfg.hostPools.map((p, i) => ({ path: ["hostPools", i] as Path, name: p.name, labels: routingLabels(p) })),
  ].filter((t) => t.labels.length > 0);
  for (let j = 0; j < targets.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = targets[i]!;
      const b = targets[j]!;
      const [narrow, wide] = isSubset(b.labels, a.labels) ? [b, a] : isSubset(a.labels, b.labels) ? [a, b] : [undefined, undefined];
      if (narrow === undefined || wide === undefined) continue;
      issue(
        [...b.path, "labels"],
        `overlaps ${a.path[0]}[${a.path[1]}] (${a.name}): a job with runs-on [${narrow.labels.join(", ")}] could land on ` +
          `${narrow.name} or ${wide.name}; give each a label the other lacks`,
      );
    }
  }
}
