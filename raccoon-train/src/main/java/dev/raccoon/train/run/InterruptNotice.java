package dev.raccoon.train.run;

/**
 * A shutdown hook for the length of a long job: on Ctrl-C or SIGTERM it runs (to say how far the job got, or to let
 * a write in progress finish); closed, it is removed again, so a finished job leaves no hook behind.
 */
public final class InterruptNotice implements AutoCloseable {
    private final Thread hook;

    private InterruptNotice(Thread hook) {
        this.hook = hook;
    }

    /** Installs {@code onInterrupt} as a shutdown hook named {@code name}. */
    public static InterruptNotice install(String name, Runnable onInterrupt) {
        Thread hook = new Thread(onInterrupt, name);
        Runtime.getRuntime().addShutdownHook(hook);
        return new InterruptNotice(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is stopping and the hook runs now
        }
    }
}
