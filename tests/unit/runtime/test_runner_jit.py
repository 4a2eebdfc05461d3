"""Bounded local runs compile with C1 only unless JVM_ARGS is set (msk_features.runner)."""

from __future__ import annotations

from msk_features.runner import ENV_JVM_ARGS, QUICK_JIT_JVM_ARGS, quick_jit_env


def test_quick_jit_env_sets_c1_only_unless_jvm_args_given() -> None:
    assert quick_jit_env({"A": "1"}) == {"A": "1", ENV_JVM_ARGS: QUICK_JIT_JVM_ARGS}
    assert quick_jit_env({ENV_JVM_ARGS: ""})[ENV_JVM_ARGS] == QUICK_JIT_JVM_ARGS
    assert quick_jit_env({ENV_JVM_ARGS: "-Xmx1g"}) == {ENV_JVM_ARGS: "-Xmx1g"}
