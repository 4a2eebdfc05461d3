"""A second shipped pipeline, of another domain and shape: IoT sensor readings keyed by ``device_id``.

Inputs ``readings`` (one measurement per record, a DOUBLE value and its unit) and ``devices``
(versioned and compacted: each device's site and alarm threshold, the latest version per device
wins), entity ``device_id`` (also each record's Kafka key). Features: per-minute and rolling
15-minute statistics of the values, sessions of activity (a device silent for 10 min or more ends
one), and one row per reading with the device's last 5 minutes, its site and whether the value
exceeds the threshold of the device version in force at the reading's time.

Nothing outside this module (its reference is ``tests/reference/iot.py``, its test
``tests/integration/test_iot_pipeline.py``) names any of it.
"""

from __future__ import annotations

from flink_jobs.features import (
    AsOf,
    Avg,
    Compare,
    Count,
    CountDistinct,
    EventFeatures,
    Field,
    Hopping,
    InputSchema,
    Max,
    Min,
    PipelineSpec,
    Rolling,
    Session,
    Source,
    Span,
    Tumbling,
    WindowFeatures,
    minutes,
)

READINGS = InputSchema(
    name="readings",
    key="device_id",
    fields=(
        Field("reading_id", "string", description="unique per reading"),
        Field("device_id", "string"),
        Field("value", "double", description="the measured value, in unit"),
        Field("unit", "enum", choices=("celsius", "kpa", "percent")),
        Field("event_time", "timestamp", description="when the device measured it"),
    ),
)

DEVICES = InputSchema(
    name="devices",
    key="device_id",
    fields=(
        Field("device_id", "string"),
        Field("site", "code", pattern=r"^[a-z]{3}-[0-9]{2}$", description="e.g. ber-01"),
        Field("max_value", "double", description="alarm threshold, in the device's unit"),
        Field("updated_at", "timestamp"),
    ),
    time_field="updated_at",
)

readings = Source(READINGS)
devices = Source(DEVICES, versioned=True)

readings_1m = WindowFeatures(
    name="readings_1m",
    source=readings,
    window=Tumbling(minutes(1)),
    aggregations=(
        Count("reading_count"),
        Min("value_min", "value"),
        Max("value_max", "value"),
        Avg("value_avg", "value"),
    ),
    description="Per device and minute: number of readings, min, max and mean value.",
)

readings_15m = WindowFeatures(
    name="readings_15m",
    source=readings,
    window=Hopping(size=minutes(15), slide=minutes(5)),
    aggregations=(
        Avg("value_avg", "value"),
        Max("value_max", "value"),
        CountDistinct("units", "unit"),
    ),
    description="Per device, the last 15 minutes every 5 minutes: mean and max value, distinct units.",
)

activity = WindowFeatures(
    name="activity",
    source=readings,
    window=Session(gap=minutes(10)),
    aggregations=(Count("reading_count"), Span("active_s")),
    description="Sessions of activity (a gap of 10 min or more ends one): readings and duration.",
)

reading_features = EventFeatures(
    name="reading_features",
    source=readings,
    columns=("reading_id", "value", "unit"),
    window=Rolling(minutes(5)),
    aggregations=(Count("readings_5m"), Avg("value_avg_5m", "value"), Max("value_max_5m", "value")),
    enrich=(AsOf(devices, ("site", "max_value")),),
    compare=(Compare("over_limit", "value", ">", "max_value"),),
    description="One row per reading: the device's last 5 minutes, its site and the threshold check.",
)

PIPELINE = PipelineSpec(
    name="iot",
    sources=(readings, devices),
    feature_sets=(readings_1m, readings_15m, activity, reading_features),
    description="Sensor statistics per device, with an as-of device registry.",
)
