import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { arcGrafanaDashboard } from "../components/arc/grafana-dashboard";

/** Writes docs/arc-grafana-dashboard.json from components/arc/grafana-dashboard.ts (import it in Grafana). */
export const GRAFANA_FILE = join(__dirname, "../docs/arc-grafana-dashboard.json");
export const grafanaText = (): string => JSON.stringify(arcGrafanaDashboard(), null, 2) + "\n";

if (require.main === module) {
  writeFileSync(GRAFANA_FILE, grafanaText());
  console.log(`wrote ${GRAFANA_FILE}`);
}
