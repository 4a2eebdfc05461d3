"""The fraud profile's valid events of its four source topics: pure functions, no I/O.

Contract (one UTF-8 JSON object per Kafka message, key = ``user_id`` as UTF-8 bytes):

* ``transactions``: ``txn_id``, ``user_id``, ``merchant_id`` (non-empty strings), ``amount`` (a JSON
  number with exactly two decimal places, > 0, serialized from :class:`decimal.Decimal` so there are
  no float artifacts), ``currency`` (ISO 4217, ``^[A-Z]{3}$``), ``country`` (ISO 3166 alpha-2,
  ``^[A-Z]{2}$``), ``event_time``.
* ``clicks``: ``click_id``, ``user_id``, ``page`` (non-empty strings), ``action`` (one of
  :data:`ACTIONS`), ``event_time``.
* ``profiles`` (compacted, latest per user wins): ``user_id``, ``home_country`` (alpha-2),
  ``risk_tier`` (one of :data:`RISK_TIERS`), ``updated_at``.
* ``labels``: ``txn_id``, ``user_id``, ``label`` (one of :data:`LABELS`), ``txn_time`` (the
  labelled transaction's ``event_time``), ``labeled_at`` (when the label became known: its event
  time).

Labels, the ground truth a model should learn (:func:`is_fraud`, :func:`label_timeline`): every
transaction the job scores gets one label. It is ``fraud`` when at least three of these four hold,
each computed exactly as the job's ``txn_features`` row of the transaction computes it (from the
on-time events the job sees):

1. a large amount: ``amount >= 500.00`` (:data:`LARGE_AMOUNT`; about 19 % of transactions);
2. abroad: ``is_foreign``, the transaction's country differs from the ``home_country`` of the
   user's profile version in force at the transaction's time (no profile yet: not abroad);
3. a risky user: ``risk_tier`` of that profile version is ``high``;
4. no lead-up: ``clicks_10m_before == 0``, no click of the user in ``[t - 10 min, t]``;

and ``legit`` otherwise, except that :data:`LABEL_NOISE` (2 %) of the verdicts, drawn at random,
are flipped (mislabelled). Every input is one of the ``fraud_score`` inputs, so a model of them can
learn the rule up to the noise; a user's "usual" amount is not among them (``amount_avg_10m``
includes the transaction itself), so the amount rule is absolute. How often each signal holds
depends on the data's density (users per transaction, clicks per transaction): on the demo's
100,000 records of 2,000 users the rule says fraud for 8.2 % of the transactions and 9.9 % of the
labels are fraud after the noise; the rule's own verdict scores an AUC of 0.90 on the noisy labels
(more where fraud is more frequent: the flipped labels are then a smaller share of the positives),
about the ceiling for a model. ``labeled_at`` is the
transaction's time plus a delay drawn uniformly from ``[1 min, 4 h]`` (:data:`LABEL_DELAY_MS`):
labels arrive after the transaction, and the labels topic holds them in ``labeled_at`` order, like
every topic's valid events, so a delay never makes one late.

Times are ISO-8601 UTC with exactly three millisecond digits and a ``Z``
(``2026-11-24T10:15:30.123Z``); internally every instant is an ``int`` of epoch milliseconds.

All randomness comes from a :class:`random.Random` passed in, and only integer draws, ``random()``
comparisons and ``choice``/``choices``/``sample``/``shuffle`` are used, so the same seed gives the
same events on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from random import Random
from typing import Final, Literal

from msk_features.dev.generator.instants import format_instant, parse_instant, sorted_times, to_epoch_ms
from msk_features.dev.generator.json_text import Event, TimedEvent, encode_event, encode_json

__all__ = [
    "ACTIONS",
    "COUNTRIES",
    "COUNTRY_CURRENCY",
    "CURRENCIES",
    "FIELDS",
    "ID_FIELD",
    "LABELS",
    "LABEL_DELAY_MS",
    "LABEL_NOISE",
    "LARGE_AMOUNT",
    "RECENT_CLICKS_MS",
    "RISK_TIERS",
    "STREAMS",
    "TIMESTAMP_FIELDS",
    "TIME_FIELD",
    "Event",
    "Merchant",
    "Stream",
    "TimedEvent",
    "TxnContext",
    "User",
    "World",
    "click_event",
    "click_timeline",
    "encode_event",
    "encode_json",
    "format_instant",
    "is_fraud",
    "label_event",
    "label_timeline",
    "make_world",
    "parse_instant",
    "profile_event",
    "profile_timeline",
    "random_amount",
    "sorted_times",
    "to_epoch_ms",
    "transaction_event",
    "transaction_timeline",
]

Stream = Literal["transactions", "clicks", "profiles", "labels"]
"""The logical source stream of a record (the Kafka topic name comes from ``TopicsConfig``)."""

STREAMS: Final[tuple[Stream, ...]] = ("transactions", "clicks", "profiles", "labels")

ACTIONS: Final[tuple[str, ...]] = ("view", "add_to_cart", "checkout", "login")
RISK_TIERS: Final[tuple[str, ...]] = ("low", "medium", "high")
LABELS: Final[tuple[str, ...]] = ("fraud", "legit")

LARGE_AMOUNT: Final = Decimal("500.00")
"""The fraud rule's large amount: at least this much (in any currency)."""
RECENT_CLICKS_MS: Final = 600_000
"""The fraud rule's lead-up window: clicks in ``[t - 10 min, t]`` (``clicks_10m_before``)."""
LABEL_NOISE: Final = 0.02
"""The share of labels whose verdict is flipped (drawn per label with ``random() < LABEL_NOISE``)."""
LABEL_DELAY_MS: Final[tuple[int, int]] = (60_000, 4 * 3_600_000)
"""A label's ``labeled_at`` is ``txn_time`` plus a delay drawn uniformly from this range (inclusive)."""

COUNTRY_CURRENCY: Final[dict[str, str]] = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "IE": "EUR",
    "JP": "JPY",
    "CA": "CAD",
    "AU": "AUD",
    "BR": "BRL",
    "IN": "INR",
    "MX": "MXN",
    "SG": "SGD",
    "CH": "CHF",
}
COUNTRIES: Final[tuple[str, ...]] = tuple(COUNTRY_CURRENCY)
CURRENCIES: Final[tuple[str, ...]] = tuple(dict.fromkeys(COUNTRY_CURRENCY.values()))
_COUNTRY_WEIGHTS: Final[tuple[int, ...]] = (40, 10, 8, 7, 4, 4, 3, 2, 6, 5, 4, 3, 2, 2, 2, 2)
_RISK_WEIGHTS: Final[tuple[int, ...]] = (70, 22, 8)

FIELDS: Final[dict[Stream, tuple[str, ...]]] = {
    "transactions": ("txn_id", "user_id", "merchant_id", "amount", "currency", "country", "event_time"),
    "clicks": ("click_id", "user_id", "page", "action", "event_time"),
    "profiles": ("user_id", "home_country", "risk_tier", "updated_at"),
    "labels": ("txn_id", "user_id", "label", "txn_time", "labeled_at"),
}
"""Required fields of each stream, in serialization order."""

TIME_FIELD: Final[dict[Stream, str]] = {
    "transactions": "event_time",
    "clicks": "event_time",
    "profiles": "updated_at",
    "labels": "labeled_at",
}
"""The event-time field of each stream (what out-of-order and late records move)."""
TIMESTAMP_FIELDS: Final[frozenset[str]] = frozenset({*TIME_FIELD.values(), "txn_time"})
"""Every field holding a timestamp (``txn_time`` of a label is one, though not its event time)."""
ID_FIELD: Final[dict[Stream, str | None]] = {
    "transactions": "txn_id",
    "clicks": "click_id",
    "profiles": None,
    "labels": "txn_id",
}

_SECOND: Final = 1_000


# --------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------


def transaction_event(
    txn_id: str,
    user_id: str,
    merchant_id: str,
    amount: Decimal,
    currency: str,
    country: str,
    event_time_ms: int,
) -> Event:
    """A valid ``transactions`` event (``amount`` is quantized to two decimal places)."""
    quantized = amount.quantize(Decimal("0.01"))
    if quantized <= 0:
        raise ValueError(f"amount must be > 0, got {amount}")
    return {
        "txn_id": txn_id,
        "user_id": user_id,
        "merchant_id": merchant_id,
        "amount": quantized,
        "currency": currency,
        "country": country,
        "event_time": format_instant(event_time_ms),
    }


def click_event(click_id: str, user_id: str, page: str, action: str, event_time_ms: int) -> Event:
    """A valid ``clicks`` event."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
    return {
        "click_id": click_id,
        "user_id": user_id,
        "page": page,
        "action": action,
        "event_time": format_instant(event_time_ms),
    }


def profile_event(user_id: str, home_country: str, risk_tier: str, updated_at_ms: int) -> Event:
    """A valid ``profiles`` event (one version of a user's profile)."""
    if risk_tier not in RISK_TIERS:
        raise ValueError(f"risk_tier must be one of {RISK_TIERS}, got {risk_tier!r}")
    return {
        "user_id": user_id,
        "home_country": home_country,
        "risk_tier": risk_tier,
        "updated_at": format_instant(updated_at_ms),
    }


def label_event(txn_id: str, user_id: str, label: str, txn_time_ms: int, labeled_at_ms: int) -> Event:
    """A valid ``labels`` event: the verdict on transaction ``txn_id``, known at ``labeled_at_ms``."""
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, got {label!r}")
    return {
        "txn_id": txn_id,
        "user_id": user_id,
        "label": label,
        "txn_time": format_instant(txn_time_ms),
        "labeled_at": format_instant(labeled_at_ms),
    }


def random_amount(rng: Random) -> Decimal:
    """A positive amount with two decimal places: mostly small, sometimes hundreds or thousands."""
    draw = rng.randrange(100)
    if draw < 70:
        cents = rng.randint(100, 9_999)
    elif draw < 95:
        cents = rng.randint(10_000, 99_999)
    else:
        cents = rng.randint(100_000, 999_999)
    return Decimal(cents).scaleb(-2)


# --------------------------------------------------------------------------------------------------
# The simulated world: users and merchants
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A simulated customer: the initial profile and how active the user is (relative weight)."""

    user_id: str
    home_country: str
    risk_tier: str
    weight: int


@dataclass(frozen=True)
class Merchant:
    """A simulated merchant and its relative popularity."""

    merchant_id: str
    weight: int


@dataclass(frozen=True)
class World:
    """Users (``u0001``...) and merchants (``m0001``...) with cumulative weights for weighted draws."""

    users: tuple[User, ...]
    merchants: tuple[Merchant, ...]
    user_cum_weights: tuple[int, ...]
    merchant_cum_weights: tuple[int, ...]

    def pick_user(self, rng: Random) -> User:
        """A user drawn in proportion to activity."""
        return rng.choices(self.users, cum_weights=self.user_cum_weights)[0]

    def pick_merchant(self, rng: Random) -> Merchant:
        """A merchant drawn in proportion to popularity."""
        return rng.choices(self.merchants, cum_weights=self.merchant_cum_weights)[0]


def make_world(rng: Random, users: int, merchants: int) -> World:
    """``users`` users and ``merchants`` merchants with random countries, tiers and weights."""
    if users < 1 or merchants < 1:
        raise ValueError("at least one user and one merchant are needed")
    user_list = tuple(
        User(
            user_id=f"u{i:04d}",
            home_country=rng.choices(COUNTRIES, weights=_COUNTRY_WEIGHTS)[0],
            risk_tier=rng.choices(RISK_TIERS, weights=_RISK_WEIGHTS)[0],
            weight=rng.choice((1, 1, 1, 2, 3, 5, 8)),
        )
        for i in range(1, users + 1)
    )
    merchant_list = tuple(
        Merchant(merchant_id=f"m{i:04d}", weight=rng.choice((1, 1, 2, 3, 5, 10)))
        for i in range(1, merchants + 1)
    )
    return World(
        users=user_list,
        merchants=merchant_list,
        user_cum_weights=tuple(accumulate(u.weight for u in user_list)),
        merchant_cum_weights=tuple(accumulate(m.weight for m in merchant_list)),
    )


# --------------------------------------------------------------------------------------------------
# Timelines: valid events in non-decreasing event time
# --------------------------------------------------------------------------------------------------


def transaction_timeline(
    rng: Random, n: int, world: World, start_ms: int, span_ms: int, id_prefix: str
) -> list[TimedEvent]:
    """``n`` valid transactions spread over the span in increasing event time.

    ``txn_id`` is ``{id_prefix}{i:07d}`` (1-based, in event-time order), so ids are unique. The
    transaction happens in the user's home country 90% of the time (else another country), in that
    country's currency 90% of the time (else USD, or EUR for US transactions).
    """
    events: list[TimedEvent] = []
    for i, time_ms in enumerate(sorted_times(rng, n, start_ms, span_ms), start=1):
        user = world.pick_user(rng)
        merchant = world.pick_merchant(rng)
        country = user.home_country
        if rng.random() < 0.10:
            country = rng.choice([c for c in COUNTRIES if c != user.home_country])
        currency = COUNTRY_CURRENCY[country]
        if rng.random() < 0.10:
            currency = "EUR" if currency == "USD" else "USD"
        event = transaction_event(
            f"{id_prefix}{i:07d}",
            user.user_id,
            merchant.merchant_id,
            random_amount(rng),
            currency,
            country,
            time_ms,
        )
        events.append((time_ms, event))
    return events


def _purchase_actions(rng: Random, k: int) -> list[str]:
    """Actions of a k-click session ending in a purchase: ``[login], view..., add_to_cart, checkout``."""
    actions = ["checkout"]
    if k >= 2:
        actions.insert(0, "add_to_cart")
    while len(actions) < k:
        actions.insert(0, "view")
    if k >= 3 and rng.random() < 0.5:
        actions[0] = "login"
    return actions


def _browse_action(rng: Random) -> str:
    draw = rng.randrange(100)
    if draw < 75:
        return "view"
    if draw < 90:
        return "add_to_cart"
    return "login"


def _page(rng: Random, action: str, product: int) -> str:
    if action == "login":
        return "/login"
    if action == "checkout":
        return "/checkout"
    if action == "view":
        draw = rng.randrange(10)
        if draw == 0:
            return "/"
        if draw == 1:
            return "/search"
    return f"/products/p{product:04d}"


def click_timeline(
    rng: Random,
    n: int,
    transactions: Sequence[TimedEvent],
    world: World,
    start_ms: int,
    span_ms: int,
    id_prefix: str,
) -> list[TimedEvent]:
    """``n`` valid clicks in increasing event time that interleave with the transactions.

    About 70% of the clicks form sessions of 1-4 clicks (2.5 on average) by the buyer just before a
    transaction (``[login], view, add_to_cart, checkout``; the checkout 2-30 s before the purchase,
    earlier clicks 5-90 s apart, never before the span start). Every transaction gets one while the
    budget lasts if it covers them all, else each transaction gets one with probability
    ``budget / (2.5 * transactions)``, so sessions spread over the whole span. The rest are browsing
    sessions of 1-6 clicks by random users at random times. ``click_id`` is ``{id_prefix}{i:07d}``
    in event-time order.
    """
    end_ms = start_ms + max(1, span_ms) - 1
    drafts: list[tuple[int, int, str, str, str]] = []  # (time, draw order, user, page, action)
    budget = (n * 7) // 10 if transactions else 0
    coverage = min(1.0, budget / (2.5 * len(transactions))) if transactions else 0.0
    for txn_ms, txn in transactions:
        if budget <= 0:
            break
        if coverage < 1.0 and rng.random() >= coverage:
            continue
        k = min(budget, rng.randint(1, 4))
        budget -= k
        product = rng.randint(1, 999)
        times: list[int] = []
        cursor = txn_ms - rng.randint(2 * _SECOND, 30 * _SECOND)
        for _ in range(k):
            times.append(max(start_ms, cursor))
            cursor -= rng.randint(5 * _SECOND, 90 * _SECOND)
        times.reverse()
        for time_ms, action in zip(times, _purchase_actions(rng, k), strict=True):
            drafts.append((time_ms, len(drafts), txn["user_id"], _page(rng, action, product), action))
    remaining = n - len(drafts)
    while remaining > 0:
        k = min(remaining, rng.randint(1, 6))
        remaining -= k
        user = world.pick_user(rng)
        product = rng.randint(1, 999)
        cursor = start_ms + rng.randrange(max(1, span_ms))
        for _ in range(k):
            action = _browse_action(rng)
            page = _page(rng, action, product)
            drafts.append((min(cursor, end_ms), len(drafts), user.user_id, page, action))
            cursor += rng.randint(3 * _SECOND, 60 * _SECOND)
    drafts.sort()
    return [
        (time_ms, click_event(f"{id_prefix}{i:07d}", user_id, page, action, time_ms))
        for i, (time_ms, _, user_id, page, action) in enumerate(drafts, start=1)
    ]


def profile_timeline(rng: Random, n: int, world: World, start_ms: int, span_ms: int) -> list[TimedEvent]:
    """``n`` valid profile versions in increasing ``updated_at``.

    The first ``min(n, users)`` records are one initial version per user (random user order) in the
    first 5% of the span; the rest are updates of random users over the remaining span, each
    changing ``home_country`` with probability 0.35 and ``risk_tier`` with probability 0.35
    (otherwise the same values with a newer ``updated_at``). With ``n < users`` only ``n`` users get
    a profile.
    """
    span_ms = max(1, span_ms)
    initial = min(n, len(world.users))
    early_ms = max(1, span_ms // 20)
    with_profile = rng.sample(world.users, initial)
    state: dict[str, tuple[str, str]] = {}
    events: list[TimedEvent] = []
    for time_ms, user in zip(sorted_times(rng, initial, start_ms, early_ms), with_profile, strict=True):
        state[user.user_id] = (user.home_country, user.risk_tier)
        events.append((time_ms, profile_event(user.user_id, user.home_country, user.risk_tier, time_ms)))
    updates = n - initial
    for time_ms in sorted_times(rng, updates, start_ms + early_ms, max(1, span_ms - early_ms)):
        user = rng.choice(with_profile)
        country, tier = state[user.user_id]
        if rng.random() < 0.35:
            country = rng.choice([c for c in COUNTRIES if c != country])
        if rng.random() < 0.35:
            tier = rng.choice([t for t in RISK_TIERS if t != tier])
        state[user.user_id] = (country, tier)
        events.append((time_ms, profile_event(user.user_id, country, tier, time_ms)))
    return events


# --------------------------------------------------------------------------------------------------
# Labels: the hidden fraud rule and the delayed verdicts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxnContext:
    """What the fraud rule looks at, as the job's ``txn_features`` row of the transaction holds it.

    ``is_foreign`` and ``risk_tier`` are ``None`` when the user has no profile version at or before
    the transaction (the row's nulls); ``clicks_10m_before`` counts the user's clicks in ``[t - 10
    min, t]``.
    """

    amount: Decimal
    is_foreign: bool | None
    risk_tier: str | None
    clicks_10m_before: int

    def signals(self) -> tuple[bool, bool, bool, bool]:
        """(large amount, abroad, high risk tier, no click in the 10 minutes before)."""
        return (
            self.amount >= LARGE_AMOUNT,
            self.is_foreign is True,
            self.risk_tier == "high",
            self.clicks_10m_before == 0,
        )


def is_fraud(context: TxnContext) -> bool:
    """The hidden rule, before noise: at least three of the four signals (module docstring)."""
    return sum(context.signals()) >= 3


def _contexts(
    transactions: Sequence[TimedEvent], clicks: Sequence[TimedEvent], profiles: Sequence[TimedEvent]
) -> list[TxnContext]:
    """The rule's inputs per transaction, from the events the job keeps (each list in topic order)."""
    from bisect import bisect_left, bisect_right

    click_times: dict[str, list[int]] = {}
    for time_ms, click in clicks:
        click_times.setdefault(click["user_id"], []).append(time_ms)
    for times in click_times.values():
        times.sort()
    versions: dict[str, list[tuple[int, int, Event]]] = {}
    for position, (time_ms, profile) in enumerate(profiles):
        versions.setdefault(profile["user_id"], []).append((time_ms, position, profile))
    for entries in versions.values():
        entries.sort(key=lambda entry: (entry[0], entry[1]))  # equal updated_at: the later record wins
    contexts = []
    for time_ms, txn in transactions:
        user = txn["user_id"]
        times = click_times.get(user, [])
        recent = bisect_right(times, time_ms) - bisect_left(times, time_ms - RECENT_CLICKS_MS)
        entries = versions.get(user, [])
        index = bisect_right([e[0] for e in entries], time_ms) - 1
        in_force = entries[index][2] if index >= 0 else None
        contexts.append(
            TxnContext(
                amount=txn["amount"],
                is_foreign=None if in_force is None else txn["country"] != in_force["home_country"],
                risk_tier=None if in_force is None else in_force["risk_tier"],
                clicks_10m_before=recent,
            )
        )
    return contexts


def label_timeline(
    rng: Random,
    transactions: Sequence[TimedEvent],
    clicks: Sequence[TimedEvent],
    profiles: Sequence[TimedEvent],
) -> list[TimedEvent]:
    """One label per transaction of ``transactions``, in increasing ``labeled_at``.

    ``transactions``, ``clicks`` and ``profiles`` are the events the job keeps (valid and on time),
    with the times it sees, each in its topic's order. Per transaction, in the given order: the
    verdict of :func:`is_fraud`, flipped when ``rng.random() < LABEL_NOISE``, then a delay
    ``rng.randint(*LABEL_DELAY_MS)``; ``txn_time`` is the transaction's time, ``labeled_at`` that
    plus the delay. Equal ``labeled_at``: the earlier transaction's label first.
    """
    drafts: list[tuple[int, int, Event]] = []
    for index, ((time_ms, txn), context) in enumerate(
        zip(transactions, _contexts(transactions, clicks, profiles), strict=True)
    ):
        fraud = is_fraud(context)
        if rng.random() < LABEL_NOISE:
            fraud = not fraud
        labeled_at_ms = time_ms + rng.randint(*LABEL_DELAY_MS)
        event = label_event(
            txn["txn_id"], txn["user_id"], "fraud" if fraud else "legit", time_ms, labeled_at_ms
        )
        drafts.append((labeled_at_ms, index, event))
    drafts.sort(key=lambda draft: (draft[0], draft[1]))
    return [(labeled_at_ms, event) for labeled_at_ms, _, event in drafts]
