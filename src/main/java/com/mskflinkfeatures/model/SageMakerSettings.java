package com.mskflinkfeatures.model;

import java.io.Serializable;
import java.time.Duration;

/**
 * The options of one {@code sagemaker} model (see {@link SageMakerModelProviderFactory}), shipped
 * with the predict function to every parallel instance.
 *
 * @param inputCount the number of INPUT columns (values per CSV record)
 */
record SageMakerSettings(
        String endpoint,
        String region,
        String endpointOverride,
        Duration attemptTimeout,
        int maxAttempts,
        Duration backoff,
        int maxConnections,
        String accessKeyId,
        String secretAccessKey,
        int inputCount)
        implements Serializable {

    /** The settings without the secret key (a record's own toString would print it). */
    @Override
    public String toString() {
        return "SageMakerSettings[endpoint=" + endpoint + ", region=" + region + ", endpointOverride="
                + endpointOverride + ", attemptTimeout=" + attemptTimeout + ", maxAttempts=" + maxAttempts
                + ", backoff=" + backoff + ", maxConnections=" + maxConnections + ", accessKeyId="
                + accessKeyId + ", secretAccessKey=" + (secretAccessKey == null ? "null" : "<redacted>")
                + ", inputCount=" + inputCount + "]";
    }

    /** The largest delay before one retry: 20 x the base. */
    Duration maxBackoff() {
        return backoff.multipliedBy(20);
    }

    /**
     * The longest one row's call can take, retries included: every attempt at its timeout plus the
     * largest delay before each retry ({@code min(base x 2^(i-1), 20 x base)} for retry i). The SDK's
     * call timeout is this; ML_PREDICT's own timeout must be larger, or a slow endpoint fails the job
     * instead of giving a dead letter (the compiler sets it from the same formula).
     */
    Duration callBudget() {
        Duration total = attemptTimeout.multipliedBy(maxAttempts);
        for (int retry = 1; retry < maxAttempts; retry++) {
            Duration delay = backoff.multipliedBy(1L << Math.min(retry - 1, 30));
            total = total.plus(delay.compareTo(maxBackoff()) < 0 ? delay : maxBackoff());
        }
        return total;
    }
}
