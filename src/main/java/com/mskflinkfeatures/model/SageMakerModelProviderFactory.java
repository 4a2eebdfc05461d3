package com.mskflinkfeatures.model;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The {@code sagemaker} model provider: {@code CREATE MODEL ... WITH ('provider' = 'sagemaker',
 * 'endpoint' = ...)} makes {@code ML_PREDICT} call a SageMaker endpoint (InvokeEndpoint) for every
 * row, asynchronously, with the AWS SDK v2 async client.
 *
 * <p>The model's INPUT columns are DOUBLE (NULL is missing) and are sent in order as one {@code
 * text/csv} record, a missing value as an empty field: the request SageMaker's built-in XGBoost
 * container reads. Its OUTPUT is two columns: the score (DOUBLE), then a STRING column that is NULL
 * for a score and holds the reason when the call failed after its retries or the response was not
 * one number; then the score is NULL. A failed call never fails the job: the SQL routes such rows to
 * the dead-letter topic.
 *
 * <p>Credentials and region come from the SDK's default chains (the Managed Flink application's
 * role and region) unless the options set them; {@code endpoint-override} points the client at
 * another server speaking the SageMaker runtime protocol (a local endpoint).
 */
public final class SageMakerModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "sagemaker";

    public static final ConfigOption<String> ENDPOINT =
            ConfigOptions.key("endpoint")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Name of the SageMaker endpoint to invoke.");

    public static final ConfigOption<String> REGION =
            ConfigOptions.key("region")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("AWS region of the endpoint (default: the SDK's region chain).");

    public static final ConfigOption<String> ENDPOINT_OVERRIDE =
            ConfigOptions.key("endpoint-override")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("URL of a server speaking the SageMaker runtime protocol, instead of AWS's.");

    public static final ConfigOption<Duration> ATTEMPT_TIMEOUT =
            ConfigOptions.key("attempt-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("Longest one HTTP attempt may take before it is abandoned (and retried).");

    public static final ConfigOption<Integer> MAX_ATTEMPTS =
            ConfigOptions.key("max-attempts")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Attempts per row, the first included; throttling, 5xx and I/O errors and "
                                    + "timeouts are retried, a model error (424) or a bad request is not.");

    public static final ConfigOption<Duration> BACKOFF =
            ConfigOptions.key("backoff")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100))
                    .withDescription(
                            "Base delay before a retry: exponential (base x 2^(attempt-1)), half jitter, "
                                    + "at most 20 x base.");

    public static final ConfigOption<Integer> MAX_CONNECTIONS =
            ConfigOptions.key("max-connections")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "HTTP connections per parallel instance; set it to ML_PREDICT's "
                                    + "max-concurrent-operations (the calls in flight per instance).");

    public static final ConfigOption<String> ACCESS_KEY_ID =
            ConfigOptions.key("access-key-id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Static credentials for a local endpoint; leave unset on AWS.");

    public static final ConfigOption<String> SECRET_ACCESS_KEY =
            ConfigOptions.key("secret-access-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Static credentials for a local endpoint; leave unset on AWS.");

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper =
                FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        ResolvedCatalogModel model = context.getCatalogModel();
        String name = context.getObjectIdentifier().asSummaryString();
        checkSchema(name, model);
        if ((options.get(ACCESS_KEY_ID) == null) != (options.get(SECRET_ACCESS_KEY) == null)) {
            throw new ValidationException(
                    "Model " + name + ": set both 'access-key-id' and 'secret-access-key', or neither.");
        }
        if (options.get(MAX_ATTEMPTS) < 1) {
            throw new ValidationException("Model " + name + ": 'max-attempts' must be at least 1.");
        }
        SageMakerSettings settings =
                new SageMakerSettings(
                        options.get(ENDPOINT),
                        options.get(REGION),
                        options.get(ENDPOINT_OVERRIDE),
                        options.get(ATTEMPT_TIMEOUT),
                        options.get(MAX_ATTEMPTS),
                        options.get(BACKOFF),
                        options.get(MAX_CONNECTIONS),
                        options.get(ACCESS_KEY_ID),
                        options.get(SECRET_ACCESS_KEY),
                        model.getResolvedInputSchema().getColumnCount());
        return new SageMakerModelProvider(settings);
    }

    /** INPUT: DOUBLE columns only; OUTPUT: (score DOUBLE, reason STRING). */
    static void checkSchema(String name, ResolvedCatalogModel model) {
        for (Column column : model.getResolvedInputSchema().getColumns()) {
            if (column.getDataType().getLogicalType().getTypeRoot() != LogicalTypeRoot.DOUBLE) {
                throw new ValidationException(
                        "Model " + name + ": input column '" + column.getName() + "' is "
                                + column.getDataType() + "; the sagemaker provider sends DOUBLE inputs only "
                                + "(encode the feature first).");
            }
        }
        List<Column> outputs = model.getResolvedOutputSchema().getColumns();
        if (outputs.size() != 2
                || outputs.get(0).getDataType().getLogicalType().getTypeRoot() != LogicalTypeRoot.DOUBLE
                || !outputs.get(1).getDataType().getLogicalType().is(
                        org.apache.flink.table.types.logical.LogicalTypeFamily.CHARACTER_STRING)) {
            throw new ValidationException(
                    "Model " + name + ": the sagemaker provider's OUTPUT is (score DOUBLE, reason STRING), got "
                            + model.getResolvedOutputSchema() + ".");
        }
    }

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(ENDPOINT);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return new HashSet<>(
                List.of(
                        REGION,
                        ENDPOINT_OVERRIDE,
                        ATTEMPT_TIMEOUT,
                        MAX_ATTEMPTS,
                        BACKOFF,
                        MAX_CONNECTIONS,
                        ACCESS_KEY_ID,
                        SECRET_ACCESS_KEY));
    }
}
