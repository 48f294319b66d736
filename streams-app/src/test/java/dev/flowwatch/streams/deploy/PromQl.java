package dev.flowwatch.streams.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names and equality label matchers a PromQL expression (or a Grafana query, with its
 * {@code $variables}) refers to. Not a parser: enough to read the expressions of k8s/, and proved
 * on their shapes by {@code PromQlTest}.
 */
final class PromQl {

    /** A vector selector's name and one of its {@code label="value"} matchers. */
    record LabelMatch(String metric, String label, String value) {}

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern SELECTOR =
            Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");
    private static final Pattern EQUALS =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern NUMBER =
            Pattern.compile("(?<![a-zA-Z_:])\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
    private static final Set<String> KEYWORDS =
            Set.of(
                    "and",
                    "or",
                    "unless",
                    "bool",
                    "offset",
                    "by",
                    "without",
                    "on",
                    "ignoring",
                    "group_left",
                    "group_right",
                    "inf",
                    "nan",
                    "Inf",
                    "NaN");

    private PromQl() {}

    /** Names of the series the expression selects, in order of appearance. */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = s.replaceAll("\\{[^}]*}", " ");
        s = s.replaceAll("\\[[^\\]]*]", " ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = s.replaceAll("\\$\\{?\\w+}?", " ");
        s = NUMBER.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String rest = s.substring(m.end()).stripLeading();
            boolean function = rest.startsWith("(");
            if (!function && !KEYWORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }

    /**
     * The {@code label="value"} matchers ({@code =} only, not {@code !=} or regular expressions) of
     * named selectors, except those whose value holds a Grafana variable.
     */
    static List<LabelMatch> equalityMatchers(String expr) {
        List<LabelMatch> matches = new ArrayList<>();
        Matcher selector = SELECTOR.matcher(expr);
        while (selector.find()) {
            Matcher eq = EQUALS.matcher(selector.group(2));
            while (eq.find()) {
                if (!eq.group(2).contains("$")) {
                    matches.add(new LabelMatch(selector.group(1), eq.group(1), eq.group(2)));
                }
            }
        }
        return matches;
    }
}
