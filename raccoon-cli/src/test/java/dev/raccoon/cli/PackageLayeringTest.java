package dev.raccoon.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Maven keeps the modules from depending on each other in a circle; this keeps the packages inside them from doing
 * it too, so that each layer (the engine's core below its backends, a training run's files below training) can be
 * read and changed without the ones above it. raccoon-cli sees every module but Spark and the benchmarks, which
 * are one package each.
 */
class PackageLayeringTest {
    private static final JavaClasses MAIN_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.raccoon");

    @Test
    void theImportSeesEveryModuleBelowTheCli() {
        assertThat(MAIN_CLASSES.stream().map(c -> c.getPackageName()).distinct())
                .contains("dev.raccoon.engine", "dev.raccoon.engine.cuda", "dev.raccoon.text", "dev.raccoon.model",
                        "dev.raccoon.api", "dev.raccoon.train", "dev.raccoon.train.corpus", "dev.raccoon.serve",
                        "dev.raccoon.cli");
    }

    @Test
    void noPackagesDependOnEachOtherInACircle() {
        slices().matching("dev.raccoon.(**)").should().beFreeOfCycles().check(MAIN_CLASSES);
    }
}
