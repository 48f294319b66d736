package dev.flowwatch.streams.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The validators of {@link AppSettings}. Each one's string form says what is allowed, in words that
 * read after "must be": the failure message and the README's table both use it. A missing value is
 * always allowed here; whether a key may be left out is its default's business.
 */
final class Allowed {

    private Allowed() {}

    static ConfigDef.Validator between(int min, int max) {
        return rule("between " + min + " and " + max, v -> (int) v >= min && (int) v <= max);
    }

    static ConfigDef.Validator positive() {
        return rule("positive", v -> (int) v > 0);
    }

    /** 0 turns the feature off; otherwise between min and max. */
    static ConfigDef.Validator offOrBetween(int min, int max) {
        return rule(
                "0 (off) or between " + min + " and " + max,
                v -> (int) v == 0 || ((int) v >= min && (int) v <= max));
    }

    static ConfigDef.Validator strictlyBetweenZeroAndOne() {
        return rule("strictly between 0 and 1", v -> (double) v > 0 && (double) v < 1);
    }

    static ConfigDef.Validator finite() {
        return rule("a finite number", v -> Double.isFinite((double) v));
    }

    static ConfigDef.Validator oneOf(String... ids) {
        List<String> known = List.of(ids);
        return rule(choices(known), known::contains);
    }

    /**
     * One of {@code ids} as {@code parse} reads them (it throws IllegalArgumentException on any
     * other), so that what is allowed is what the parser takes, spelling variants included.
     */
    static ConfigDef.Validator parsedBy(Function<String, ?> parse, List<String> ids) {
        return rule(choices(ids), v -> accepts(parse, (String) v));
    }

    private static String choices(List<String> ids) {
        String last = ids.get(ids.size() - 1);
        return ids.size() == 1
                ? last
                : String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + last;
    }

    /** {@code pattern} matched case-insensitively; {@code allowed} says it in words. */
    static ConfigDef.Validator matching(String pattern, String allowed) {
        return rule(allowed, v -> ((String) v).toLowerCase(Locale.ROOT).matches(pattern));
    }

    static ConfigDef.Validator httpUrl() {
        return rule("an http:// or https:// URL", v -> isHttpUrl((String) v));
    }

    private static boolean isHttpUrl(String value) {
        try {
            String scheme = new URI(value).getScheme();
            return "http".equals(scheme) || "https".equals(scheme);
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean accepts(Function<String, ?> parse, String value) {
        try {
            parse.apply(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ConfigDef.Validator rule(String allowed, Predicate<Object> ok) {
        return ConfigDef.LambdaValidator.with(
                (name, value) -> {
                    if (value != null && !ok.test(value)) {
                        throw new ConfigException("must be " + allowed);
                    }
                },
                () -> allowed);
    }
}
