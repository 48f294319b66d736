package dev.flowwatch.streams.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * Reads the mean of one Prometheus histogram from the app's /metrics endpoint, over the interval
 * since the previous read (the change of its _sum divided by the change of its _count).
 */
final class MetricsProbe {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final URI uri;
    private final String histogram;
    private double lastSum;
    private double lastCount;

    MetricsProbe(URI uri, String histogram) {
        this.uri = uri;
        this.histogram = histogram;
    }

    /** The interval's mean; empty when nothing was observed or the endpoint does not answer. */
    OptionalDouble intervalMean() {
        String text;
        try {
            text =
                    http.send(
                                    HttpRequest.newBuilder(uri)
                                            .timeout(Duration.ofSeconds(1))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
        } catch (IOException e) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
        double sum = total(text, histogram + "_sum");
        double count = total(text, histogram + "_count");
        double dSum = sum - lastSum;
        double dCount = count - lastCount;
        lastSum = sum;
        lastCount = count;
        return dCount > 0 ? OptionalDouble.of(dSum / dCount) : OptionalDouble.empty();
    }

    /** Sums a sample over all its label sets, from the Prometheus text format. */
    private static double total(String text, String sample) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(sample + " ") || line.startsWith(sample + "{")) {
                String[] parts = line.trim().split("\\s+");
                // "name{labels} value [timestamp]": labels hold no spaces in what the app exports
                total += Double.parseDouble(parts[1]);
            }
        }
        return total;
    }
}
