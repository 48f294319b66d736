package dev.flowwatch.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KubectlTest {

    @Test
    void debiansKubectl120IsTooOldAndTheReasonSaysWhichVersionIsNeeded() {
        String why =
                Kubectl.whyTooOld(
                        "{\"clientVersion\": {\"major\": \"1\", \"minor\": \"20\","
                                + " \"gitVersion\": \"v1.20.15\"}}");
        assertEquals(
                "kubectl is v1.20, too old to compare with: its kustomize predates v5 (kubectl"
                        + " 1.27 or newer needed)",
                why);
    }

    @Test
    void kubectlWithKustomizeFiveIsNewEnough() {
        assertNull(
                Kubectl.whyTooOld(
                        "{\"clientVersion\": {\"gitVersion\": \"v1.32.4-dispatcher\"},"
                                + " \"kustomizeVersion\": \"v5.5.0\"}"));
    }

    @Test
    void outputWithoutAVersionIsReportedAsIs() {
        assertTrue(Kubectl.whyTooOld("error: unknown flag: --output\n").contains("unknown flag"));
    }
}
