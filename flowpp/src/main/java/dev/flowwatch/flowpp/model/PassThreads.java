package dev.flowwatch.flowpp.model;

import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs forward passes on threads of their own, all at once, and waits for every one. */
public final class PassThreads {

    private PassThreads() {}

    /**
     * Runs {@code pass} on {@code threads} threads at once (on the calling one when 1) and returns
     * when all have ended, rethrowing the first failure: no pass may outlive the call, since the
     * caller may close the manager its arrays live on. Each thread runs with PyTorch's grad mode
     * off, which is per thread and on in a new one: a pass of weights that record gradients would
     * otherwise keep its whole graph.
     *
     * @param name the threads' names, numbered from 1
     */
    public static void run(Runnable pass, int threads, String name) {
        if (threads <= 1) {
            pass.run();
            return;
        }
        AtomicInteger named = new AtomicInteger();
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t =
                                    new Thread(
                                            () -> {
                                                JniUtils.setGradMode(false);
                                                r.run();
                                            },
                                            name + "-" + named.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                running.add(CompletableFuture.runAsync(pass, pool));
            }
            Throwable failure = null;
            for (CompletableFuture<Void> f : running) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    failure = failure == null ? e.getCause() : failure;
                }
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw failure instanceof RuntimeException r
                        ? r
                        : new IllegalStateException(failure);
            }
        } finally {
            pool.shutdown();
        }
    }
}
