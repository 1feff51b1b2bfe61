package dev.raccoon.bench;

import dev.raccoon.engine.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchInputsTest {
    /** {@code -p backend=cpu} without a thread count takes all cores; it failed with an ArrayIndexOutOfBoundsException. */
    @Test
    void aBareDeviceHasAllCores() {
        try (Backend cpu = BenchInputs.backend("cpu")) {
            assertThat(cpu.name()).isEqualTo("cpu");
            assertThat(cpu.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        }
        try (Backend cpu = BenchInputs.backend("cpu:1")) {
            assertThat(cpu.threads()).isEqualTo(1);
        }
    }

    @Test
    void aMalformedParameterSaysTheExpectedForm() {
        for (String bad : new String[] {"cpu:", "cpu:two", "cpu:0", "cpu:1:2"})
            assertThatThrownBy(() -> BenchInputs.backend(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("-p backend takes device:threads (e.g. cpu:2) or a device alone (all cores), not '" + bad + "'");
    }
}
