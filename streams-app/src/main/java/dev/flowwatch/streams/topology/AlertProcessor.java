package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.config.PerSourceRule;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

import java.time.Duration;
import java.util.Set;

/**
 * Raises alerts from scores. By default every anomalous score raises one. With the per-source rule
 * ({@code alert.per-source.k} of {@code alert.per-source.n}, n &gt; 1) an anomalous score raises an
 * alert only when at least k of the last n events of its source were anomalous, counting itself;
 * the source's window then starts afresh, so a run of anomalies raises one alert per k of them
 * rather than one per event. Isolated false alarms of a source stay silent.
 *
 * <p>Each source's window is a bit mask (bit 0 the latest event) in a persistent, changelogged
 * store: under exactly-once it commits with the consumed offsets and the emitted alerts, so a crash
 * neither forgets nor double-counts an event. A source with no anomaly in its window has no entry,
 * which keeps the store as small as the set of sources with recent anomalies, and the window of a
 * source idle past the expiry is dropped ({@link SourceWindows}). The windows are per task: the
 * rule sees all of a source's events only when they share a partition, as they do when producers
 * key events by source.
 */
public final class AlertProcessor implements Processor<byte[], AnomalyScore, byte[], AnomalyAlert> {

    public static final String STORE = "source-alert-window";

    private final Alerts alerts;
    private final FlowwatchMetrics metrics;
    private final int k;
    private final int n;
    private final SourceWindows<Long> windows;

    private ProcessorContext<byte[], AnomalyAlert> context;

    private AlertProcessor(
            Alerts alerts, FlowwatchMetrics metrics, int k, int n, SourceWindows<Long> windows) {
        this.alerts = alerts;
        this.metrics = metrics;
        this.k = k;
        this.n = n;
        this.windows = windows;
    }

    /**
     * The alerting step; a store only when the per-source rule needs one (n &gt; 1).
     *
     * @param expiry how long a source may stay idle before its window is forgotten; zero: never
     */
    public static ProcessorSupplier<byte[], AnomalyScore, byte[], AnomalyAlert> supplier(
            Alerts alerts, FlowwatchMetrics metrics, PerSourceRule rule, Duration expiry) {
        int k = rule.k();
        int n = rule.n();
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], AnomalyScore, byte[], AnomalyAlert> get() {
                return new AlertProcessor(
                        alerts,
                        metrics,
                        k,
                        n,
                        n == 1 ? null : new SourceWindows<>(STORE, expiry, metrics));
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return n == 1 ? null : Set.of(SourceWindows.store(STORE, Serdes.Long()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<byte[], AnomalyAlert> context) {
        this.context = context;
        if (windows != null) {
            windows.init(context);
        }
    }

    @Override
    public void process(Record<byte[], AnomalyScore> record) {
        AnomalyScore score = record.value();
        boolean anomaly = score.getIsAnomaly();
        if (n == 1) {
            if (anomaly) {
                raise(record, null);
            }
            return;
        }
        String source = score.getSource();
        Long previous = windows.get(source, record.timestamp());
        long window = (((previous == null ? 0L : previous) << 1) | (anomaly ? 1L : 0L)) & mask();
        int count = Long.bitCount(window);
        if (anomaly && count >= k) {
            raise(
                    record,
                    String.format(
                            "%d of the last %d events of source %s were anomalous (rule: %d of"
                                    + " %d)",
                            count, n, source, k, n));
            window = 0;
        } else if (anomaly) {
            metrics.alertWithheld();
        }
        if (window == 0) {
            if (previous != null) {
                windows.delete(source);
            }
        } else {
            windows.put(source, window);
        }
    }

    private long mask() {
        return n == Long.SIZE ? -1L : (1L << n) - 1;
    }

    private void raise(Record<byte[], AnomalyScore> record, String context) {
        AnomalyAlert alert = alerts.of(record.value(), context);
        this.context.forward(record.withValue(alert));
        metrics.alert(alert.getSeverity(), alert.getSource());
        if (alert.getScorePart() != null) {
            metrics.alertOfPart(alert.getScorePart());
        }
    }
}
