package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgressBarsTest {

    @Test
    void onlyTerminalDevicesAreTerminals() {
        assertTrue(ProgressBars.isTerminal("/dev/pts/3"));
        assertTrue(ProgressBars.isTerminal("/dev/tty1"));
        assertFalse(ProgressBars.isTerminal("pipe:[71234]"));
        assertFalse(ProgressBars.isTerminal("/var/log/train.log"));
        assertFalse(ProgressBars.isTerminal("/dev/null"));
    }

    /** Maven's forked test JVM writes stderr to a pipe or a file, never a terminal. */
    @Test
    void theTestsStderrIsNoTerminal() {
        assertFalse(ProgressBars.stderrIsTerminal());
    }
}
