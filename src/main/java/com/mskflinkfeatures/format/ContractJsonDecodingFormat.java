package com.mskflinkfeatures.format;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.utils.DataTypeUtils;

/**
 * The {@code contract-json} decoding format: physical columns are contract fields (by name, any
 * subset, any order); readable metadata (as {@code value.<key>} on a Kafka table) are the verdict:
 *
 * <ul>
 *   <li>{@code reason} STRING: null for a record that passes every rule checked here, else the
 *       first broken rule;
 *   <li>{@code raw} BYTES: the value's original bytes (for the dead-letter and late-events copies);
 *   <li>{@code chars} INT: characters of the value (null for a tombstone);
 *   <li>{@code latest-time} TIMESTAMP_LTZ(3): the latest instant among the contract's timestamp
 *       fields that passed their rules (null if none), so that SQL can bound it by the Kafka
 *       timestamp (also a TIMESTAMP_LTZ) with one comparison and no time-zone conversion.
 * </ul>
 */
public final class ContractJsonDecodingFormat implements DecodingFormat<DeserializationSchema<RowData>> {

    /** The readable metadata, in the order {@link #listReadableMetadata()} lists them. */
    enum Metadata {
        REASON("reason", DataTypes.STRING()),
        RAW("raw", DataTypes.BYTES()),
        CHARS("chars", DataTypes.INT()),
        LATEST_TIME("latest-time", DataTypes.TIMESTAMP_LTZ(3));

        final String key;
        final DataType type;

        Metadata(String key, DataType type) {
            this.key = key;
            this.type = type;
        }

        static Metadata of(String key) {
            for (Metadata m : values()) {
                if (m.key.equals(key)) {
                    return m;
                }
            }
            throw new ValidationException("contract-json has no metadata " + key);
        }
    }

    private final Contract contract;
    private List<Metadata> metadata = Collections.emptyList();

    ContractJsonDecodingFormat(Contract contract) {
        this.contract = contract;
    }

    @Override
    public DeserializationSchema<RowData> createRuntimeDecoder(
            DynamicTableSource.Context context, DataType physicalDataType) {
        List<String> names = DataType.getFieldNames(physicalDataType);
        List<DataType> types = DataType.getFieldDataTypes(physicalDataType);
        int[] fieldOfColumn = new int[names.size()];
        for (int c = 0; c < names.size(); c++) {
            int f = contract.indexOf(names.get(c));
            if (f < 0) {
                throw new ValidationException(
                        "contract-json: column "
                                + names.get(c)
                                + " is not a field of the contract (its fields: "
                                + contract.fields().stream().map(x -> x.name).collect(Collectors.joining(", "))
                                + "); declare other columns as METADATA or computed columns");
            }
            checkType(contract.fields().get(f), types.get(c).getLogicalType());
            fieldOfColumn[c] = f;
        }
        List<DataTypes.Field> extra = new ArrayList<>();
        for (Metadata m : metadata) {
            extra.add(DataTypes.FIELD(m.key, m.type));
        }
        DataType produced = DataTypeUtils.appendRowFields(physicalDataType, extra);
        TypeInformation<RowData> producedType = context.createTypeInformation(produced);
        return new ContractJsonDeserializationSchema(contract, fieldOfColumn, metadata, producedType);
    }

    private static void checkType(Contract.Field field, LogicalType type) {
        String expected;
        boolean ok;
        switch (field.kind) {
            case DECIMAL:
                expected = "DECIMAL(18, 4)";
                ok = type instanceof DecimalType
                        && ((DecimalType) type).getPrecision() == 18
                        && ((DecimalType) type).getScale() == 4;
                break;
            case DOUBLE:
                expected = "DOUBLE";
                ok = type.getTypeRoot() == LogicalTypeRoot.DOUBLE;
                break;
            case TIMESTAMP:
                expected = "TIMESTAMP(3)";
                ok = type.getTypeRoot() == LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE
                        && ((TimestampType) type).getPrecision() == 3;
                break;
            default:
                expected = "STRING";
                ok = type.getTypeRoot() == LogicalTypeRoot.VARCHAR;
        }
        if (!ok) {
            throw new ValidationException(
                    "contract-json: column " + field.name + " is a " + field.kind.name().toLowerCase(java.util.Locale.ROOT)
                            + " field of the contract and must be " + expected + ", not " + type);
        }
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        Map<String, DataType> out = new LinkedHashMap<>();
        for (Metadata m : Metadata.values()) {
            out.put(m.key, m.type);
        }
        return out;
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys) {
        List<Metadata> requested = new ArrayList<>();
        for (String key : metadataKeys) {
            requested.add(Metadata.of(key));
        }
        this.metadata = requested;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return ChangelogMode.insertOnly();
    }
}
