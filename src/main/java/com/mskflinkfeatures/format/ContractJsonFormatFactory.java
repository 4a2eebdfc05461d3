package com.mskflinkfeatures.format;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * Factory of the {@code contract-json} format: JSON records decoded and checked against an input
 * contract in one pass, for Kafka sources ({@code 'value.format' = 'contract-json'}). Decoding only.
 */
public final class ContractJsonFormatFactory implements DeserializationFormatFactory {

    public static final String IDENTIFIER = "contract-json";

    public static final ConfigOption<String> SCHEMA =
            ConfigOptions.key("schema")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The input contract as JSON: {\"fields\": [{\"name\": ..., \"kind\": "
                                    + "string|decimal|code|enum|timestamp, \"pattern\": ..., \"choices\": [...]}]}, "
                                    + "fields in the order their rules are checked.");

    public static final ConfigOption<Integer> MAX_CHARS =
            ConfigOptions.key("max-chars")
                    .intType()
                    .defaultValue(250_000)
                    .withDescription(
                            "Largest number of characters (UTF-8 decoded) a valid record's value may hold; "
                                    + "larger values are not parsed.");

    @Override
    public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(
            DynamicTableFactory.Context context, ReadableConfig formatOptions) {
        FactoryUtil.validateFactoryOptions(this, formatOptions);
        try {
            return new ContractJsonDecodingFormat(
                    Contract.parse(formatOptions.get(SCHEMA), formatOptions.get(MAX_CHARS)));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid option '" + IDENTIFIER + "." + SCHEMA.key() + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Collections.singleton(SCHEMA);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new HashSet<>();
        options.add(MAX_CHARS);
        return options;
    }
}
