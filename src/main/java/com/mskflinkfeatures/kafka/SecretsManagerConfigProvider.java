package com.mskflinkfeatures.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.provider.ConfigProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * A Kafka {@link ConfigProvider} that reads keys of AWS Secrets Manager secrets whose value is a JSON
 * object, such as the {@code AmazonMSK_} secrets of MSK SCRAM users.
 *
 * <p>Configured as
 *
 * <pre>
 * config.providers=secretsmanager
 * config.providers.secretsmanager.class=com.mskflinkfeatures.kafka.SecretsManagerConfigProvider
 * config.providers.secretsmanager.param.region=eu-west-1      (optional)
 * config.providers.secretsmanager.param.endpoint=http://...  (optional, tests against a local server)
 * sasl.jaas.config=... password="${secretsmanager:AmazonMSK_app:password}";
 * </pre>
 *
 * the variable {@code ${secretsmanager:<path>:<key>}} resolves to the string (or number/boolean, as
 * text) under {@code <key>} of the secret's {@code SecretString}. {@code <path>} is the secret's name
 * or ARN, percent-encoded where it holds characters that Kafka's variable syntax uses ({@code :} of an
 * ARN as {@code %3A}); only {@code %XX} sequences are decoded ({@code +} stays a plus, as secret names
 * may hold it).
 *
 * <p>Region: the {@code region} parameter, else the AWS SDK's default region chain ({@code
 * AWS_REGION}, profile, instance metadata). Endpoint: the {@code endpoint} parameter, else the SDK's
 * own (which honours {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} / {@code AWS_ENDPOINT_URL}, how local
 * runs point it at a test server). Credentials: the SDK's default chain (on Managed Flink, the
 * application's service execution role, which needs {@code secretsmanager:GetSecretValue} and, for a
 * customer-managed key, {@code kms:Decrypt}).
 *
 * <p>Every failure is a {@link SecretReferenceException} (a Kafka {@link ConfigException}) whose
 * message names the secret and the key, never a value.
 */
public final class SecretsManagerConfigProvider implements ConfigProvider {

    /** Provider parameter: the AWS region of the secrets. */
    public static final String REGION_PARAM = "region";
    /** Provider parameter: an endpoint URL overriding the SDK's (a local Secrets Manager API server). */
    public static final String ENDPOINT_PARAM = "endpoint";

    private static final ObjectMapper JSON = new ObjectMapper();

    private String region;
    private String endpoint;
    private SecretsManagerClient client;

    /**
     * A secret reference that cannot be resolved: the message names the secret and key (as written in
     * the variable) and why, never a secret value.
     */
    public static final class SecretReferenceException extends ConfigException {
        private static final long serialVersionUID = 1L;

        public SecretReferenceException(String message) {
            super(message);
        }
    }

    @Override
    public void configure(Map<String, ?> configs) {
        region = stringParam(configs, REGION_PARAM);
        endpoint = stringParam(configs, ENDPOINT_PARAM);
    }

    private static String stringParam(Map<String, ?> configs, String name) {
        Object value = configs.get(name);
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? null : text;
    }

    /** Every key of the secret (the whole JSON object, values as text). */
    @Override
    public ConfigData get(String path) {
        return get(path, null);
    }

    @Override
    public ConfigData get(String path, Set<String> keys) {
        if (path == null || path.isEmpty()) {
            // Kafka calls providers with an empty path for ${secretsmanager:key}: no secret named.
            throw new SecretReferenceException(
                    "a secretsmanager reference needs a secret and a key: ${secretsmanager:<secret name or ARN>:<key>}"
                            + (keys == null || keys.isEmpty() ? "" : ", got keys " + new TreeSet<>(keys)
                                    + " without a secret"));
        }
        String secretId = percentDecode(path);
        JsonNode document = readSecret(secretId, keys);
        Map<String, String> data = new HashMap<>();
        if (keys == null) {
            for (Map.Entry<String, JsonNode> field : document.properties()) {
                if (field.getValue().isValueNode() && !field.getValue().isNull()) {
                    data.put(field.getKey(), field.getValue().asText());
                }
            }
            return new ConfigData(data);
        }
        for (String key : keys) {
            JsonNode value = document.get(key);
            if (value == null || value.isNull() || !value.isValueNode()) {
                throw new SecretReferenceException(
                        "cannot resolve secretsmanager:" + secretId + ":" + key + ": the secret '" + secretId
                                + "' has no " + (value == null || value.isNull() ? "" : "string ") + "key '"
                                + key + "' (its keys: " + String.join(", ", fieldNames(document)) + ")");
            }
            data.put(key, value.asText());
        }
        return new ConfigData(data);
    }

    private JsonNode readSecret(String secretId, Set<String> keys) {
        String what = "secretsmanager:" + secretId
                + (keys != null && keys.size() == 1 ? ":" + keys.iterator().next() : "");
        String secretString;
        try {
            GetSecretValueResponse response = client().getSecretValue(r -> r.secretId(secretId));
            secretString = response.secretString();
        } catch (ResourceNotFoundException e) {
            throw new SecretReferenceException("cannot resolve " + what + ": the secret '" + secretId
                    + "' does not exist" + where() + " (" + sdkReason(e) + ")");
        } catch (SdkException e) {
            throw new SecretReferenceException("cannot resolve " + what + ": reading the secret '" + secretId
                    + "'" + where() + " failed: " + sdkReason(e));
        }
        if (secretString == null) {
            throw new SecretReferenceException("cannot resolve " + what + ": the secret '" + secretId
                    + "' has no SecretString (a binary secret); expected a JSON object");
        }
        JsonNode document;
        try {
            document = JSON.readTree(secretString);
        } catch (Exception e) {
            // The parser's message can quote the input: never pass it on.
            document = null;
        }
        if (document == null || !document.isObject()) {
            throw new SecretReferenceException("cannot resolve " + what + ": the value of the secret '"
                    + secretId + "' is not a JSON object (expected e.g. {\"username\": ..., \"password\": ...})");
        }
        return document;
    }

    private String where() {
        return (region != null ? " in " + region : "") + (endpoint != null ? " at " + endpoint : "");
    }

    /** The SDK's message (service error code and text, or the client-side reason); never holds a value. */
    private static String sdkReason(SdkException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static List<String> fieldNames(JsonNode document) {
        List<String> names = new ArrayList<>();
        document.fieldNames().forEachRemaining(names::add);
        Collections.sort(names);
        return names;
    }

    private synchronized SecretsManagerClient client() {
        if (client == null) {
            SecretsManagerClientBuilder builder =
                    SecretsManagerClient.builder().httpClientBuilder(Apache5HttpClient.builder());
            if (region != null) {
                builder.region(Region.of(region));
            }
            if (endpoint != null) {
                builder.endpointOverride(URI.create(endpoint));
            }
            try {
                client = builder.build();
            } catch (SdkException e) {
                throw new SecretReferenceException("cannot create the Secrets Manager client" + where() + ": "
                        + sdkReason(e) + " (set config.providers.secretsmanager.param.region or AWS_REGION)");
            }
        }
        return client;
    }

    /** Decodes {@code %XX} sequences (UTF-8) and nothing else. */
    static String percentDecode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) == '%' && i + 2 < text.length() && isHex(text.charAt(i + 1))
                    && isHex(text.charAt(i + 2))) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int end = text.offsetByCodePoints(i, 1);
                byte[] encoded = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i = end;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
