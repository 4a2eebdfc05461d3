package com.mskflinkfeatures.model;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClientBuilder;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;

/**
 * One InvokeEndpoint call per row, asynchronous: the row's inputs as a {@code text/csv} record,
 * the score parsed from the {@code text/csv} response.
 *
 * <p>The returned future always completes normally, with one row {@code (score, NULL)} or, when the
 * call failed after its retries or the response was not one number, {@code (NULL, reason)}: a bad
 * endpoint gives dead letters, never a failed job. At most {@code max-connections} calls are in
 * flight per instance: a row beyond that waits here, without a timer running, until a call ends.
 * ML_PREDICT's queue ({@code max-concurrent-operations}) is larger on purpose: in its ordered mode
 * every watermark takes a slot until the rows before it are answered, and with one watermark per
 * event a queue the size of the bound held about a third as many calls
 * (docs/benchmarks/scoring-2026-12-03.md). A row's call may be repeated after a failover (the
 * async operator re-sends what was in flight at the checkpoint); its result is written once.
 *
 * <p>Metrics (per instance, under the operator's group): {@code scoringCalls} (rows sent) and
 * {@code scoringFailures} (rows given a reason). Retries happen inside the SDK; a reason names the
 * attempts made.
 */
public final class SageMakerPredictFunction extends AsyncPredictFunction {

    private static final long serialVersionUID = 1L;
    private static final String CSV = "text/csv";

    private final SageMakerSettings settings;
    private transient SageMakerRuntimeAsyncClient client;
    private transient Counter calls;
    private transient Counter failures;
    private transient AtomicInteger inFlight;
    private transient ConcurrentLinkedQueue<Waiting> waiting;

    /** A row's request that waits for a free call, and the future ML_PREDICT holds for it. */
    private record Waiting(InvokeEndpointRequest request, CompletableFuture<Collection<RowData>> result) {}

    SageMakerPredictFunction(SageMakerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        start(context.getMetricGroup());
    }

    /** Creates the client and the counters (what {@link #open} does, for tests without a task). */
    void start(MetricGroup metrics) {
        client = createClient(settings);
        inFlight = new AtomicInteger();
        waiting = new ConcurrentLinkedQueue<>();
        calls = metrics.counter("scoringCalls");
        failures = metrics.counter("scoringFailures");
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close(); // closes its HTTP client and event loop too
            client = null;
        }
        super.close();
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData inputRow) {
        InvokeEndpointRequest request =
                InvokeEndpointRequest.builder()
                        .endpointName(settings.endpoint())
                        .contentType(CSV)
                        .accept(CSV)
                        .body(SdkBytes.fromUtf8String(CsvRecord.format(inputRow, settings.inputCount())))
                        .build();
        calls.inc();
        CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
        waiting.add(new Waiting(request, result));
        startWaiting();
        return result;
    }

    /** Starts waiting calls while fewer than {@code max-connections} are in flight (any thread). */
    private void startWaiting() {
        while (true) {
            int now = inFlight.get();
            if (now >= settings.maxConnections()) {
                return; // the call that ends next starts the next one
            }
            if (!inFlight.compareAndSet(now, now + 1)) {
                continue;
            }
            Waiting next = waiting.poll();
            if (next == null) {
                inFlight.decrementAndGet();
                if (waiting.isEmpty()) {
                    return;
                }
                continue; // one was added between the poll and the decrement
            }
            start(next);
        }
    }

    private void start(Waiting row) {
        CompletableFuture<InvokeEndpointResponse> call;
        try {
            call = client.invokeEndpoint(row.request());
        } catch (RuntimeException e) { // a client that fails before the future exists
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete(
                (response, error) -> {
                    inFlight.decrementAndGet();
                    startWaiting();
                    RowData outcome;
                    try {
                        outcome = error == null ? scored(response) : failed(reason(error));
                    } catch (RuntimeException e) { // never leave ML_PREDICT waiting for its timeout
                        outcome = failed("endpoint " + settings.endpoint() + ": " + e);
                    }
                    row.result().complete(List.of(outcome));
                });
    }

    /** Calls in flight now (for tests). */
    int inFlight() {
        return inFlight.get();
    }

    private RowData scored(InvokeEndpointResponse response) {
        try {
            return GenericRowData.of(CsvRecord.parseScore(response.body().asUtf8String()), null);
        } catch (IllegalArgumentException e) {
            return failed("endpoint " + settings.endpoint() + ": " + e.getMessage());
        }
    }

    private RowData failed(String reason) {
        failures.inc();
        return GenericRowData.of(null, StringData.fromString(reason));
    }

    /** What went wrong, for the dead letter: the error code and HTTP status, the attempts made. */
    String reason(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String attempts = "";
        if (cause instanceof SdkException sdk && sdk.numAttempts() != null) {
            attempts = " after " + sdk.numAttempts() + (sdk.numAttempts() == 1 ? " attempt" : " attempts");
        }
        String where = "endpoint " + settings.endpoint();
        if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return where + ": " + service.awsErrorDetails().errorCode() + " (HTTP " + service.statusCode() + ")"
                    + attempts + ": " + CsvRecord.preview(String.valueOf(service.awsErrorDetails().errorMessage()));
        }
        if (cause instanceof ApiCallAttemptTimeoutException || cause instanceof ApiCallTimeoutException) {
            return where + ": timed out" + attempts + " (" + settings.attemptTimeout().toMillis()
                    + " ms per attempt, " + settings.maxAttempts() + " attempts at most)";
        }
        return where + ": " + cause.getClass().getSimpleName() + attempts + ": "
                + CsvRecord.preview(String.valueOf(cause.getMessage()));
    }

    static SageMakerRuntimeAsyncClient createClient(SageMakerSettings settings) {
        BackoffStrategy backoff =
                BackoffStrategy.exponentialDelayHalfJitter(settings.backoff(), settings.maxBackoff());
        RetryStrategy retry =
                AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(settings.maxAttempts())
                        .backoffStrategy(backoff)
                        .throttlingBackoffStrategy(backoff)
                        // No retry quota: every row gets its attempts, whatever the others got.
                        .circuitBreakerEnabled(false)
                        .retryOnException(ApiCallAttemptTimeoutException.class)
                        .build();
        SageMakerRuntimeAsyncClientBuilder builder =
                SageMakerRuntimeAsyncClient.builder()
                        .httpClientBuilder(
                                NettyNioAsyncHttpClient.builder()
                                        .maxConcurrency(settings.maxConnections())
                                        .connectionTimeout(settings.attemptTimeout()))
                        .overrideConfiguration(
                                ClientOverrideConfiguration.builder()
                                        .retryStrategy(retry)
                                        .apiCallAttemptTimeout(settings.attemptTimeout())
                                        .apiCallTimeout(settings.callBudget())
                                        .build())
                        .region(region(settings));
        if (settings.endpointOverride() != null) {
            builder.endpointOverride(URI.create(settings.endpointOverride()));
        }
        if (settings.accessKeyId() != null) {
            builder.credentialsProvider(
                    StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }

    /** The region option; else the SDK's chain; else, for a local endpoint only, us-east-1. */
    private static Region region(SageMakerSettings settings) {
        if (settings.region() != null) {
            return Region.of(settings.region());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkException e) {
            if (settings.endpointOverride() != null) {
                return Region.US_EAST_1; // signs for a local server, which does not check the region
            }
            throw e;
        }
    }
}
