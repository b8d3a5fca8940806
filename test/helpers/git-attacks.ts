/**
 * The four attacks of issue 21 on one git directory `$d` (a mirror, a checkout's .git), as shell
 * lines a hostile job runs; each line prints "written: …" or "refused: …". The same script in the
 * checkout tests (a slot's uid on this machine) and on a booted host.
 * - evil: a command the attacker wants run (filter, fsmonitor, hooks);
 * - replace: the line that plants a `git replace` of a victim's blob (how to find the objects differs);
 * - redirect: `url.<to>.insteadOf <from>`, sending the victim's fetch to the attacker's repository.
 */
export function gitAttackLines(o: { evil: string; replace: string; redirect: { from: string; to: string } }): string {
  return `w() { if "$@" >/dev/null 2>&1; then echo "written: $*"; else echo "refused: $*"; fi; }
w git config --file "$d/config" filter.x.smudge "${o.evil} smudge"
w git config --file "$d/config" filter.x.required true
w sh -c 'mkdir -p "$0/info" && echo "* filter=x" > "$0/info/attributes"' "$d"
w git config --file "$d/config" core.fsmonitor "${o.evil} fsmonitor"
w sh -c 'mkdir -p "$0/hooks" && for h in post-checkout post-index-change reference-transaction; do cp "${o.evil}" "$0/hooks/$h"; done' "$d"
w git config --file "$d/config" core.hooksPath "$d/hooks"
${o.replace}
w git config --file "$d/config" url.${o.redirect.to}.insteadOf "${o.redirect.from}"`;
}
