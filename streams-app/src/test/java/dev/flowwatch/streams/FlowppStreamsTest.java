package dev.flowwatch.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

class FlowppStreamsTest {

    @Test
    void withoutSubcommandPrintsHelp() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new FlowppStreams()).setOut(new PrintWriter(out));

        assertEquals(0, cli.execute());
        assertTrue(out.toString().contains("run"), out.toString());
    }

    @Test
    void runWithMissingSettingExitsWithUsageErrorNamingIt() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new FlowppStreams()).setErr(new PrintWriter(err));

        int code = cli.execute("run", "-Dbootstrap.servers=localhost:9092", "-Dthreshold.bpd=5");

        assertEquals(2, code);
        assertTrue(err.toString().contains("model.dir"), err.toString());
    }
}
