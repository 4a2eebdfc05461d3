"""AsOf: the columns of the versioned source's version for the same key with the greatest event time
``<= t`` (ties: the later record in the topic, the greater offset); NULL when there is none. A
version that arrives after a newer one but on time (within the watermark delay) counts."""

from __future__ import annotations

from flink_jobs.features import AsOf, EventFeatures, Field, InputSchema, Rolling, Source, hours, minutes
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import ORDERS

PROFILES = Source(
    InputSchema(
        name="profiles",
        key="user_id",
        fields=(
            Field("user_id", "string"),
            Field("home_country", "code", pattern=r"^[A-Z]{2}$"),
            Field("risk_tier", "enum", choices=("low", "medium", "high")),
            Field("updated_at", "timestamp"),
        ),
        time_field="updated_at",
    ),
    versioned=True,
)


def profile(user: str, country: str, tier: str, time: str) -> dict[str, object]:
    return {"user_id": user, "home_country": country, "risk_tier": tier, "updated_at": time}


def test_the_version_in_force_at_each_event(features) -> None:
    fs = EventFeatures(
        "order_features",
        ORDERS,
        columns=("order_id",),
        window=Rolling(minutes(1)),
        enrich=(AsOf(PROFILES, ("home_country", "risk_tier")),),
    )
    # Arrival order = offset order (partition 0, offsets 0..4).
    profiles = [
        profile("u", "DE", "low", at("00:00:00.000")),  # offset 0
        profile("u", "FR", "high", at("01:00:00.000")),  # offset 1
        profile("u", "IT", "medium", at("00:30:00.000")),  # offset 2: older, after a newer one; on time
        profile("u", "ES", "low", at("01:00:00.000")),  # offset 3: ties FR's time, later offset: wins
        profile("v", "PL", "high", at("00:10:00.000")),  # offset 4
    ]
    orders = [
        {"order_id": "o1", "user_id": "u", "event_time": at("00:00:00.000")},
        {"order_id": "o5", "user_id": "v", "event_time": at("00:09:59.999")},
        {"order_id": "o6", "user_id": "w", "event_time": at("00:20:00.000")},
        {"order_id": "o2", "user_id": "u", "event_time": at("00:45:00.000")},
        {"order_id": "o3", "user_id": "u", "event_time": at("00:59:59.999")},
        {"order_id": "o4", "user_id": "u", "event_time": at("01:00:00.000")},
    ]

    def out(order_id: str, user: str, time: str, country: str | None, tier: str | None) -> dict:
        return {
            "user_id": user,
            "event_time": time,
            "order_id": order_id,
            "home_country": country,
            "risk_tier": tier,
        }

    # IT (00:30) arrives when the profiles' watermark is at most 01:00 - 1 h = 00:00: on time.
    result = features(fs, {ORDERS: orders, PROFILES: profiles}, delay={PROFILES: hours(1)})
    assert_rows(
        result,
        [
            out("o1", "u", at("00:00:00.000"), "DE", "low"),  # the version at exactly t
            out("o2", "u", at("00:45:00.000"), "IT", "medium"),  # IT (00:30) is the latest <= t
            out("o3", "u", at("00:59:59.999"), "IT", "medium"),
            out("o4", "u", at("01:00:00.000"), "ES", "low"),  # FR and ES at t: ES, the greater offset
            out("o5", "v", at("00:09:59.999"), None, None),  # v's first version is 1 ms later
            out("o6", "w", at("00:20:00.000"), None, None),  # w has no profile
        ],
    )
    assert_types(result, {"home_country": "STRING", "risk_tier": "STRING"})
