package dev.flowwatch.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

class PromQlTest {

    @Test
    void metricNamesSkipFunctionsAggregationsLabelsRangesAndVariables() {
        String expr =
                "histogram_quantile(0.99, sum by (le)"
                    + " (rate(flowwatch_end_to_end_latency_seconds_bucket{namespace=\"$namespace\","
                    + " job=\"flowwatch\"}[$__rate_interval]))) /"
                    + " scalar(sum(rate(flowwatch_events_in_total[10m]))) > 3 * 1e-2 and max by"
                    + " (pod) (flowwatch_model_loaded{job=\"a b\"}) < 1 or vector(0)";
        assertEquals(
                Set.of(
                        "flowwatch_end_to_end_latency_seconds_bucket",
                        "flowwatch_events_in_total",
                        "flowwatch_model_loaded"),
                PromQl.metricNames(expr));
    }

    @Test
    void equalityMatchersLeaveOutNegationsRegexesAndVariables() {
        String expr =
                "sum(kafka_streams_x{job=\"flowwatch\", topic=\"images\", pod=~\"f.*\","
                        + " area!=\"heap\", namespace=\"$namespace\"}) + y";
        assertEquals(
                List.of(
                        new PromQl.LabelMatch("kafka_streams_x", "job", "flowwatch"),
                        new PromQl.LabelMatch("kafka_streams_x", "topic", "images")),
                PromQl.equalityMatchers(expr));
    }
}
