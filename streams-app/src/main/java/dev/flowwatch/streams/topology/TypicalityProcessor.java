package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.score.TypicalityTest;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;

/**
 * The typicality test per source over a sliding window of its last M events ({@code
 * typicality.window}): once a source has M events in its window, every new event tests the window
 * (Nalisnick et al. 2019, see {@link TypicalityTest}) and an atypical window (p &lt; α) raises an
 * alert of kind {@value #KIND} on the latest event. The window then starts afresh, so a run of
 * anomalies raises one such alert per M events. It catches streams whose images are each
 * unremarkable but together too likely or too unlikely, such as a camera that now sees digits.
 *
 * <p>Windows (the last M bits/dim of each source) live in a persistent, changelogged store that
 * commits with offsets and outputs under exactly-once; like the per-source rule, they are per task,
 * and the window of a source idle past the expiry is dropped ({@link SourceWindows}). A window
 * keeps the Ĥ it was filled under: after a rollout of another model (or calibration) it starts
 * afresh, since the old model's bits/dim against the new Ĥ would make every full window atypical at
 * once.
 */
public final class TypicalityProcessor
        implements Processor<byte[], AnomalyScore, byte[], AnomalyAlert> {

    public static final String STORE = "source-typicality-window";
    public static final String KIND = "typicality";

    private final TypicalityTest test;
    private final Alerts alerts;
    private final FlowwatchMetrics metrics;
    private final SourceWindows<byte[]> windows;

    private ProcessorContext<byte[], AnomalyAlert> context;

    private TypicalityProcessor(
            TypicalityTest test, Alerts alerts, FlowwatchMetrics metrics, Duration expiry) {
        this.test = test;
        this.alerts = alerts;
        this.metrics = metrics;
        this.windows = new SourceWindows<>(STORE, expiry, metrics);
    }

    /**
     * The typicality step, alerting at p &lt; {@link Alerts#alpha()}.
     *
     * @param expiry how long a source may stay idle before its window is forgotten; zero: never
     * @throws IllegalArgumentException when the test cannot reach p &lt; α
     */
    public static ProcessorSupplier<byte[], AnomalyScore, byte[], AnomalyAlert> supplier(
            TypicalityTest test, Alerts alerts, FlowwatchMetrics metrics, Duration expiry) {
        test.threshold(alerts.alpha());
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], AnomalyScore, byte[], AnomalyAlert> get() {
                return new TypicalityProcessor(test, alerts, metrics, expiry);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(SourceWindows.store(STORE, Serdes.ByteArray()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<byte[], AnomalyAlert> context) {
        this.context = context;
        windows.init(context);
    }

    @Override
    public void process(Record<byte[], AnomalyScore> record) {
        AnomalyScore score = record.value();
        String source = score.getSource();
        Window window =
                Window.of(windows.get(source, record.timestamp()), test.window(), test.entropy());
        window.add(score.getElboBpd());
        if (window.count < test.window()) {
            windows.put(source, window.toBytes());
            return;
        }
        double mean = window.mean();
        double p = test.pValue(test.statistic(mean));
        if (p >= alerts.alpha()) {
            windows.put(source, window.toBytes());
            return;
        }
        windows.delete(source);
        AnomalyAlert alert = alerts.typicality(score, test, mean, p);
        context.forward(record.withValue(alert));
        metrics.alert(alert.getSeverity(), source);
    }

    /**
     * The last bits/dim of a source, oldest overwritten first: count, next slot, the Ĥ it was
     * filled under, M values.
     */
    private static final class Window {
        private final double[] values;
        private final double entropy;
        private int count;
        private int next;

        private Window(int size, double entropy) {
            values = new double[size];
            this.entropy = entropy;
        }

        static Window of(byte[] bytes, int size, double entropy) {
            Window w = new Window(size, entropy);
            // a window saved under another typicality.window, Ĥ or format starts afresh
            if (bytes != null && bytes.length == 2 * Integer.BYTES + (size + 1) * Double.BYTES) {
                ByteBuffer in = ByteBuffer.wrap(bytes);
                int count = in.getInt();
                int next = in.getInt();
                if (in.getDouble() == entropy) {
                    w.count = count;
                    w.next = next;
                    in.asDoubleBuffer().get(w.values);
                }
            }
            return w;
        }

        void add(double value) {
            values[next] = value;
            next = (next + 1) % values.length;
            count = Math.min(values.length, count + 1);
        }

        double mean() {
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            return sum / values.length;
        }

        byte[] toBytes() {
            ByteBuffer out =
                    ByteBuffer.allocate(2 * Integer.BYTES + (values.length + 1) * Double.BYTES);
            out.putInt(count).putInt(next).putDouble(entropy);
            out.asDoubleBuffer().put(values);
            return out.array();
        }
    }
}
