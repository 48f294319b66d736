package dev.flowwatch.streams.metrics;

/**
 * What a probe answers: whether it passes, and why not, which the response body carries so that
 * {@code kubectl describe pod} shows the reason next to the failed probe.
 */
public record ProbeStatus(boolean ok, String reason) {

    public static final ProbeStatus OK = new ProbeStatus(true, "");

    public static ProbeStatus failing(String reason) {
        return new ProbeStatus(false, reason);
    }
}
