package dev.flowwatch.streams.deploy;

import static dev.flowwatch.streams.deploy.Kustomize.map;
import static dev.flowwatch.streams.deploy.Kustomize.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Grafana dashboard as Grafana's dashboard model (schemaVersion 39) requires it. No Grafana
 * library is published to the registries this project uses, so the model's rules are checked here:
 * identity, a Prometheus datasource variable every query uses, panels of known types on the
 * 24-column grid without overlap, queries with unique refIds and only defined variables.
 */
class DashboardTest {

    private static final Set<String> PANEL_TYPES =
            Set.of("row", "timeseries", "heatmap", "stat", "gauge", "bargauge", "table", "text");
    private static final Set<String> BUILTIN_VARIABLES =
            Set.of("__rate_interval", "__interval", "__range");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)}?");
    private static final Map<String, Object> DATASOURCE =
            Map.of("type", "prometheus", "uid", "${datasource}");

    private final Map<String, Object> dashboard = Manifests.dashboard();

    @Test
    void dashboardHasIdentityAndAPrometheusDatasourceVariable() {
        assertEquals("flowwatch", dashboard.get("uid"));
        assertFalse(((String) dashboard.get("title")).isBlank());
        assertTrue((Integer) dashboard.get("schemaVersion") >= 36);
        Map<String, Map<String, Object>> variables = variables();
        assertEquals("datasource", variables.get("datasource").get("type"));
        assertEquals("prometheus", variables.get("datasource").get("query"));
        variables.values().stream()
                .filter(v -> "query".equals(v.get("type")))
                .forEach(
                        v -> assertEquals(DATASOURCE, v.get("datasource"), (String) v.get("name")));
    }

    @Test
    void panelsAreKnownTypesOnTheGridWithoutOverlap() {
        Set<Integer> ids = new HashSet<>();
        List<int[]> cells = new ArrayList<>();
        for (Map<String, Object> panel : maps(dashboard.get("panels"))) {
            String title = (String) panel.get("title");
            assertTrue(ids.add((Integer) panel.get("id")), "unique id: " + title);
            assertTrue(PANEL_TYPES.contains((String) panel.get("type")), title);
            Map<String, Object> grid = map(panel.get("gridPos"));
            int x = (Integer) grid.get("x");
            int y = (Integer) grid.get("y");
            int w = (Integer) grid.get("w");
            int h = (Integer) grid.get("h");
            assertTrue(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, title + " " + grid);
            for (int[] c : cells) {
                boolean overlap =
                        x < c[0] + c[2] && c[0] < x + w && y < c[1] + c[3] && c[1] < y + h;
                assertFalse(overlap, title + " overlaps another panel");
            }
            cells.add(new int[] {x, y, w, h});
        }
    }

    @Test
    void everyQueryUsesTheDatasourceVariableAndDefinedVariables() {
        Set<String> defined = variables().keySet();
        for (Map<String, Object> panel : maps(dashboard.get("panels"))) {
            if (panel.get("type").equals("row")) {
                continue;
            }
            String title = (String) panel.get("title");
            assertEquals(DATASOURCE, panel.get("datasource"), title);
            List<Map<String, Object>> targets = maps(panel.get("targets"));
            assertFalse(targets.isEmpty(), title);
            Set<String> refIds =
                    targets.stream().map(t -> (String) t.get("refId")).collect(Collectors.toSet());
            assertEquals(targets.size(), refIds.size(), "unique refIds in " + title);
            for (Map<String, Object> target : targets) {
                assertEquals(DATASOURCE, target.get("datasource"), title);
                String expr = (String) target.get("expr");
                assertFalse(expr.isBlank(), title);
                assertFalse(PromQl.metricNames(expr).isEmpty(), title);
                Matcher m = VARIABLE.matcher(expr);
                while (m.find()) {
                    assertTrue(
                            defined.contains(m.group(1)) || BUILTIN_VARIABLES.contains(m.group(1)),
                            title + ": $" + m.group(1));
                }
            }
        }
    }

    @Test
    void dashboardConfigMapCarriesTheFileForGrafanasSidecar() throws Exception {
        Map<String, Object> cm =
                Manifests.only(Manifests.render("base"), "ConfigMap", "flowwatch-dashboard");
        assertEquals("1", map(Kustomize.metadata(cm).get("labels")).get("grafana_dashboard"));
        Object json = map(cm.get("data")).get("flowwatch-dashboard.json");
        assertInstanceOf(String.class, json);
        assertEquals(dashboard, Kustomize.JSON.readValue((String) json, Map.class));
    }

    private Map<String, Map<String, Object>> variables() {
        return maps(map(dashboard.get("templating")).get("list")).stream()
                .collect(Collectors.toMap(v -> (String) v.get("name"), v -> v));
    }
}
